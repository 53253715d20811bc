import { parseArgs } from 'node:util';
import { parseRange, ProblemList, readArguments } from '../arguments';
import { EXIT } from '../exitCodes';
import { invalidRequest, usageError } from '../failures';
import { Output } from '../output';
import type { Command } from './command';

export const exportAuditCommand: Command = {
    name: 'export-audit',
    summary: 'write every request created in a time range, with its audit events, as JSON lines',
    help: `Usage: bc-signout export-audit --from <ISO> --to <ISO>

Writes one JSON object per line to standard output, newest request first: { requestId, record, events }. Keep the
export elsewhere (an archive, a SIEM) to prove later that the trail was not rewritten: verify-audit checks each
trail's hash chain; an export taken earlier shows what it said then.

Options:
  --from <ISO>, --to <ISO>  requests created in this range (from inclusive, to exclusive)

Exit codes: 0 written, 4 bad options.`,

    async run(args, context) {
        const parsed = readArguments(() =>
            parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' } }, strict: true }),
        );
        const out = new Output(context.io, false);
        if (!parsed.ok) return usageError(out, 'export-audit', parsed.message);
        const problems = new ProblemList();
        const range = parseRange(parsed.value.values.from, parsed.value.values.to, problems);
        if (!range) return invalidRequest(out, problems.problems);
        const { audit } = await context.dependencies();
        for await (const line of audit.exportRange(range.from, range.to))
            context.io.stdout(line.endsWith('\n') ? line : `${line}\n`);
        return EXIT.done;
    },
};
