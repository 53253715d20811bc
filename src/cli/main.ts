#!/usr/bin/env node
import { readConfig, type AppConfig } from '../config';
import { createCliDependencies } from './cliDependencies';
import { ALL_COMMANDS } from './commands/allCommands';
import type { CommandContext } from './commands/command';
import { EXIT } from './exitCodes';
import { reportFailure, usageError } from './failures';
import { overallHelp } from './help';
import { processIo, type CliIo } from './io';
import { Output } from './output';

const wantsHelp = (args: readonly string[]) => args.includes('--help') || args.includes('-h');

/**
 * The CLI: `argv` without node and the script, everything else through `io`. Answers the exit code and never
 * throws, so tests run it in-process exactly as the entry point does.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
    const [name, ...args] = argv;
    const out = new Output(io, argv.includes('--json'));
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
        const topic = name === 'help' ? ALL_COMMANDS.find((command) => command.name === args[0]) : undefined;
        if (name === undefined) {
            io.stderr(`${overallHelp(ALL_COMMANDS)}\n`);
            return EXIT.invalid;
        }
        io.stdout(`${topic ? topic.help : overallHelp(ALL_COMMANDS)}\n`);
        return EXIT.done;
    }
    const command = ALL_COMMANDS.find((candidate) => candidate.name === name);
    if (!command)
        return usageError(
            out,
            undefined,
            `unknown command "${name}"; commands: ${ALL_COMMANDS.map((c) => c.name).join(', ')}`,
        );
    if (wantsHelp(args)) {
        io.stdout(`${command.help}\n`);
        return EXIT.done;
    }

    let config: AppConfig;
    try {
        config = readConfig(io.env);
    } catch (error) {
        return reportFailure(error, out, { env: io.env });
    }
    const context: CommandContext = {
        io,
        config,
        dependencies: (options = {}) => createCliDependencies(config, { queue: options.queue === true }),
    };
    try {
        return await command.run(args, context);
    } catch (error) {
        return reportFailure(error, out, { config, env: io.env });
    }
}

if (require.main === module) {
    void main(process.argv.slice(2), processIo()).then((code) => {
        process.exitCode = code;
    });
}
