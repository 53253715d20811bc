import { parseArgs } from 'node:util';
import { FINAL_STATES } from '../../core/result';
import { readArguments, singleRequestId } from '../arguments';
import { requestNotFound, usageError } from '../failures';
import { Output } from '../output';
import { progressPlanOf } from '../progress';
import { reportRecord } from '../reportRecord';
import { runClaimedRequest } from '../runRequest';
import type { Command } from './command';

export const resumeCommand: Command = {
    name: 'resume',
    summary: 'run a request again that stopped before it finished (steps already done are not repeated)',
    help: `Usage: bc-signout resume <requestId> [--finish] [--json]

Runs a request that is not final yet (a CLI run that stopped on transient failures, or one still waiting for the
queue worker). Steps an earlier attempt completed are read back from the audit trail and not repeated. A request
another worker holds is left alone until its lease expires.

Options:
  --finish    make this the last attempt: remaining transient failures end the request as "partial"
  --json      print the machine-readable result only

Exit codes: 0 completed, 2 partial, 3 failed or stopped again, 4 unknown request id.`,

    async run(args, context) {
        const parsed = readArguments(() =>
            parseArgs({
                args,
                options: { finish: { type: 'boolean' }, json: { type: 'boolean' } },
                allowPositionals: true,
                strict: true,
            }),
        );
        if (!parsed.ok) return usageError(new Output(context.io, args.includes('--json')), 'resume', parsed.message);
        const out = new Output(context.io, parsed.value.values.json === true);
        const id = singleRequestId(parsed.value.positionals);
        if (!id.ok) return usageError(out, 'resume', id.problem.reason);
        const requestId = id.value;

        const deps = await context.dependencies();
        const record = await deps.audit.getRequest(requestId);
        if (!record) return requestNotFound(out, requestId);
        if (FINAL_STATES.includes(record.state) || !record.request) {
            out.note(`Request ${requestId} is already ${record.state}; nothing to resume.`);
            return reportRecord(record, out, { config: context.config, env: context.io.env });
        }
        out.note(`Resuming request ${requestId} (${record.state}, ${record.attempts} attempt(s) so far)`);
        return runClaimedRequest(requestId, deps, out, context, {
            label: `resuming ${requestId}`,
            plan: progressPlanOf(record.request),
            lastAttempt: parsed.value.values.finish === true,
        });
    },
};
