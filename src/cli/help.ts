import type { Command } from './commands/command';

export function overallHelp(commands: readonly Command[]): string {
    const width = Math.max(...commands.map((command) => command.name.length)) + 2;
    return `bc-signout: really sign users out of Dynamics 365 Business Central, from the command line.

Usage: bc-signout <command> [options]

Commands:
${commands.map((command) => `  ${command.name.padEnd(width)}${command.summary}`).join('\n')}

Run bc-signout <command> --help for a command's options and examples.

Configuration comes from the same environment variables as the app (AZURE_TENANT_ID, AzureWebJobsStorage,
PROTECTED_USERS, ...; see README). Credentials: with AUTH_MODE=auto and no secret or certificate, the CLI signs in
as you through DefaultAzureCredential (e.g. after az login); the audit records the caller as <os user>@<host>.

Exit codes: 0 completed, 2 partial, 3 failed (or the run failed), 4 rejected / bad input / usage,
5 not finished yet (status only). See docs/cli.md.`;
}
