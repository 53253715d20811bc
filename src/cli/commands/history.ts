import { parseArgs } from 'node:util';
import type { HistoryQuery } from '../../core/ports/auditStore';
import { GUID_PATTERN, UPN_PATTERN } from '../../core/request/patterns';
import { parseInstant, parseWholeNumber, ProblemList, readArguments } from '../arguments';
import { EXIT } from '../exitCodes';
import { invalidRequest, usageError } from '../failures';
import { formatSummaries } from '../formatRecord';
import { Output } from '../output';
import type { Command } from './command';

/** As GET /api/signouts allows. */
const MAX_PAGE_SIZE = 100;

export const historyCommand: Command = {
    name: 'history',
    summary: "list a user's sign-outs, or the most recent requests",
    help: `Usage: bc-signout history [--user <upn|objectId>] [--from <ISO>] [--to <ISO>] [--page-size <n>] [--continuation <token>] [--json]

Lists requests newest first: those naming a user (by UPN or object id, as given or as resolved), or all of them.

Options:
  --user <upn|objectId>     one user's requests
  --from <ISO>, --to <ISO>  created in this range (from inclusive, to exclusive)
  --page-size <n>           at most n requests (1-${MAX_PAGE_SIZE})
  --continuation <token>    the next page, with the token a previous page printed
  --json                    print the page ({ items, continuationToken }) only

Exit codes: 0 listed, 4 bad options.`,

    async run(args, context) {
        const parsed = readArguments(() =>
            parseArgs({
                args,
                options: {
                    user: { type: 'string' },
                    from: { type: 'string' },
                    to: { type: 'string' },
                    'page-size': { type: 'string' },
                    continuation: { type: 'string' },
                    json: { type: 'boolean' },
                },
                strict: true,
            }),
        );
        if (!parsed.ok) return usageError(new Output(context.io, args.includes('--json')), 'history', parsed.message);
        const { values } = parsed.value;
        const out = new Output(context.io, values.json === true);

        const problems = new ProblemList();
        const user = values.user?.trim();
        if (user !== undefined && !GUID_PATTERN.test(user) && !UPN_PATTERN.test(user))
            problems.add('--user', 'must be a user principal name or an object id');
        const from = problems.optional(values.from, (text) => parseInstant('--from', text));
        const to = problems.optional(values.to, (text) => parseInstant('--to', text));
        if (from && to && from > to) problems.add('--from', 'must not be after --to');
        const pageSize = problems.optional(values['page-size'], (text) => parseWholeNumber('--page-size', text));
        if (pageSize !== undefined && (pageSize < 1 || pageSize > MAX_PAGE_SIZE))
            problems.add('--page-size', `must be from 1 to ${MAX_PAGE_SIZE}`);
        if (problems.problems.length > 0) return invalidRequest(out, problems.problems);

        const query: HistoryQuery = {
            ...(from && { from }),
            ...(to && { to }),
            ...(pageSize && { pageSize }),
            ...(values.continuation && { continuationToken: values.continuation }),
        };
        const { audit } = await context.dependencies();
        const page = user ? await audit.userHistory(user, query) : await audit.listRecent(query);
        out.document(page);
        out.lines(formatSummaries(page.items));
        if (page.continuationToken)
            out.line(`\nMore requests: run the same command with --continuation ${page.continuationToken}`);
        return EXIT.done;
    },
};
