import { parseArgs } from 'node:util';
import type { VerifyReport } from '../../core/ports/auditStore';
import { parseRange, ProblemList, readArguments, singleRequestId } from '../arguments';
import { EXIT } from '../exitCodes';
import { invalidRequest, requestNotFound, usageError } from '../failures';
import { Output } from '../output';
import type { Command } from './command';

function report(out: Output, verified: VerifyReport): number {
    const checked = `${verified.eventsChecked} event(s) in ${verified.requestsChecked} request(s)`;
    out.document(verified);
    out.line(
        verified.ok
            ? `Audit trail intact: ${checked}, every hash chain and record seal verified; ${keying(verified)}.`
            : `Audit trail BROKEN: request ${verified.requestId}, event #${verified.sequence}: ${verified.problem} (${checked} checked).`,
    );
    return verified.ok ? EXIT.done : EXIT.failed;
}

/** What the verified chains prove depends on whether they were keyed (docs/audit.md, "What each mode proves"). */
function keying(verified: VerifyReport): string {
    if (verified.eventsChecked > 0 && verified.keyedEvents === verified.eventsChecked)
        return 'every event keyed (HMAC-SHA256 with AUDIT_SIGNING_KEY)';
    const unkeyed = 'SHA-256 only: shows edits, not a trail rewritten whole by someone with write access';
    return verified.keyedEvents === 0
        ? `not keyed (${unkeyed})`
        : `${verified.keyedEvents} of ${verified.eventsChecked} event(s) keyed; the others ${unkeyed}`;
}

export const verifyAuditCommand: Command = {
    name: 'verify-audit',
    summary: "check the hash chain of a request's audit trail, or of every request in a time range",
    help: `Usage: bc-signout verify-audit <requestId> [--json]
       bc-signout verify-audit --from <ISO> --to <ISO> [--json]

Recomputes each event's hash over its content and the previous event's hash, checks the chain against the anchor
kept with the request, and compares the record's state, caller, reason, ticket and result with the seal its trail
holds: an edited, removed or inserted event, or an edited record, is found and named. Says whether the chain was
keyed (AUDIT_SIGNING_KEY), which decides what it proves (docs/audit.md).

Options:
  --from <ISO>, --to <ISO>  every request created in this range (from inclusive, to exclusive)
  --json                    print the report ({ ok, requestsChecked, eventsChecked, ... }) only

Exit codes: 0 intact, 3 broken, 4 bad options or unknown request id.`,

    async run(args, context) {
        const parsed = readArguments(() =>
            parseArgs({
                args,
                options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
                allowPositionals: true,
                strict: true,
            }),
        );
        if (!parsed.ok)
            return usageError(new Output(context.io, args.includes('--json')), 'verify-audit', parsed.message);
        const { values, positionals } = parsed.value;
        const out = new Output(context.io, values.json === true);
        const byRange = values.from !== undefined || values.to !== undefined;
        if (positionals.length > 1 || (positionals.length === 1) === byRange)
            return usageError(out, 'verify-audit', 'name one request id, or --from and --to');

        if (byRange) {
            const problems = new ProblemList();
            const range = parseRange(values.from, values.to, problems);
            if (!range) return invalidRequest(out, problems.problems);
            const { audit } = await context.dependencies();
            return report(out, await audit.verifyRange(range.from, range.to));
        }
        const id = singleRequestId(positionals);
        if (!id.ok) return usageError(out, 'verify-audit', id.problem.reason);
        const requestId = id.value;
        const { audit } = await context.dependencies();
        if (!(await audit.getRequest(requestId))) return requestNotFound(out, requestId);
        return report(out, await audit.verifyTrail(requestId));
    },
};
