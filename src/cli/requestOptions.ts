import { parseArgs } from 'node:util';
import type { FieldProblem } from '../core/errors';
import { parseHold, parseTicket, parseWholeNumber, ProblemList, readArguments } from './arguments';
import type { CliIo } from './io';
import { readUsers } from './readUsers';

/** The options `signout` and `preview` share: everything the request schema can be asked from the command line. */
export const REQUEST_OPTIONS = {
    user: { type: 'string', short: 'u', multiple: true },
    'users-file': { type: 'string' },
    column: { type: 'string' },
    tenant: { type: 'string' },
    reason: { type: 'string', short: 'r' },
    env: { type: 'string', short: 'e', multiple: true },
    'env-type': { type: 'string', multiple: true },
    block: { type: 'string' },
    'disable-bc': { type: 'string' },
    'no-revoke': { type: 'boolean' },
    'no-cancel': { type: 'boolean' },
    'watch-minutes': { type: 'string' },
    ticket: { type: 'string' },
    'request-id': { type: 'string' },
    json: { type: 'boolean' },
} as const;

export const REQUEST_OPTIONS_HELP = `Users (at least one; all sources are combined, duplicates folded):
  -u, --user <upn|objectId>   a user; repeat for more
  --users-file <file.csv>     a CSV file (an export as it is: quoted cells, BOM, CRLF; "," ";" or tab); the first
                              column, header optional; blank lines and lines starting with # skipped
  --column <header>           take the users from this column of the file or standard input, found by its header,
                              e.g. --column "User principal name" for a Microsoft 365 admin center export
  -                           read users from standard input, in the same format

Request:
  -r, --reason <text>         why (required; kept in the audit trail)
  --tenant <tenant id>        the Entra tenant to act in (a GUID): AZURE_TENANT_ID (the default) or one of
                              ALLOWED_TENANT_IDS
  -e, --env <name>            a Business Central environment; repeat or comma-separate; default: all active ones
  --env-type <type>           instead of --env: every active environment of this type (Production or Sandbox);
                              repeat or comma-separate
  --block <duration>          also block Entra sign-in: 60m, 2h, 1d, until:<ISO time> or permanent
  --disable-bc <duration>     also disable the BC user in each environment, same durations
  --no-revoke                 do not revoke Entra sign-in sessions
  --no-cancel                 do not cancel Business Central sessions
  --watch-minutes <n>         how long the sweep cancels reconnects (0-1440; default 90)
  --ticket <system:number>    e.g. servicenow:INC0012345; without --request-id, the id derives from the ticket
  --request-id <id>           your own id; running the same id again answers the existing request
  --json                      print the machine-readable result only`;

type RequestArguments = Extract<ReturnType<typeof parseRequestArguments>, { ok: true }>['value'];

export function parseRequestArguments(args: string[]) {
    return readArguments(() => parseArgs({ args, options: REQUEST_OPTIONS, allowPositionals: true, strict: true }));
}

/** The request as the HTTP API would receive it, and the problems of options that could not be read into it. */
export interface RequestInput {
    input: { users: string[] } & Record<string, unknown>;
    problems: FieldProblem[];
}

/**
 * Builds the raw request from the options; the schema then validates and normalises it like any other input.
 * An option that does not parse is left out and reported, so one run names every problem at once.
 */
export async function requestInputOf(parsed: RequestArguments, io: CliIo): Promise<RequestInput> {
    const { values, positionals } = parsed;
    const problems = new ProblemList();
    for (const extra of positionals.filter((positional) => positional !== '-'))
        problems.add('(arguments)', `unexpected "${extra}": name users with --user, --users-file or -`);
    const users = await readUsers(
        {
            users: values.user ?? [],
            stdin: positionals.includes('-'),
            ...(values['users-file'] !== undefined && { usersFile: values['users-file'] }),
            ...(values.column !== undefined && { column: values.column }),
        },
        io,
    );
    if (!users.ok) problems.add(users.option, users.reason);
    const blockSignIn = problems.optional(values.block, (text) => parseHold('--block', text));
    const disableBcUser = problems.optional(values['disable-bc'], (text) => parseHold('--disable-bc', text));
    const watchMinutes = problems.optional(values['watch-minutes'], (text) =>
        parseWholeNumber('--watch-minutes', text),
    );
    const ticket = problems.optional(values.ticket, (text) => parseTicket('--ticket', text));
    if (values.reason === undefined)
        problems.add('--reason', 'is required: why the users are signed out (kept in the audit trail)');

    const environments = listOption(values.env);
    const environmentTypes = listOption(values['env-type']);
    return {
        problems: problems.problems,
        input: {
            ...(values.tenant !== undefined && { tenantId: values.tenant.trim() }),
            users: users.ok ? users.users : [],
            ...(values.reason !== undefined && { reason: values.reason }),
            ...(environments.length > 0 && {
                environments:
                    environments.length === 1 && environments[0]!.toLowerCase() === 'all' ? 'all' : environments,
            }),
            ...(environmentTypes.length > 0 && { environmentTypes }),
            actions: {
                revokeSessions: values['no-revoke'] !== true,
                cancelBcSessions: values['no-cancel'] !== true,
                ...(blockSignIn && { blockSignIn }),
                ...(disableBcUser && { disableBcUser }),
            },
            ...(watchMinutes !== undefined && { watchMinutes }),
            ...(ticket && { ticket }),
            ...(values['request-id'] !== undefined && { requestId: values['request-id'] }),
        },
    };
}

/** A repeatable option whose values may also be comma-separated. */
function listOption(values: readonly string[] | undefined): string[] {
    return (values ?? [])
        .flatMap((value) => value.split(','))
        .map((value) => value.trim())
        .filter(Boolean);
}
