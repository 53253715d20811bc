import { parseArgs } from 'node:util';
import { FINAL_STATES } from '../../core/result';
import { publicRecord } from '../../core/service/publicRecord';
import { shardedProgress } from '../../core/service/shards';
import { readArguments, singleRequestId } from '../arguments';
import { exitCodeOfState } from '../exitCodes';
import { requestNotFound, usageError } from '../failures';
import { formatEvents, formatProgress, formatRecordHeader } from '../formatRecord';
import { formatResult } from '../formatResult';
import { Output } from '../output';
import type { Command } from './command';

export const statusCommand: Command = {
    name: 'status',
    summary: 'show a request: who asked, why, its state and result; --events for its audit trail',
    help: `Usage: bc-signout status <requestId> [--events] [--json]

Shows a request from the audit store, whichever entry point made it (HTTP, queue, CLI).

Options:
  --events    also list the audit trail, one event a line
  --json      print the record as GET /api/signouts/{id} shows it (with "events" when --events is given)

Exit codes: the request's state: 0 completed, 2 partial, 3 failed or dead-lettered, 4 rejected or unknown id,
5 not finished yet (accepted or running).`,

    async run(args, context) {
        const parsed = readArguments(() =>
            parseArgs({
                args,
                options: { events: { type: 'boolean' }, json: { type: 'boolean' } },
                allowPositionals: true,
                strict: true,
            }),
        );
        if (!parsed.ok) return usageError(new Output(context.io, args.includes('--json')), 'status', parsed.message);
        const out = new Output(context.io, parsed.value.values.json === true);
        const id = singleRequestId(parsed.value.positionals);
        if (!id.ok) return usageError(out, 'status', id.problem.reason);
        const requestId = id.value;

        const deps = await context.dependencies();
        const record = await deps.audit.getRequest(requestId);
        if (!record) return requestNotFound(out, requestId);
        const events = parsed.value.values.events ? await deps.audit.listEvents(requestId) : undefined;
        const open = !FINAL_STATES.includes(record.state);
        const progress = open && record.shardCount ? await shardedProgress(record, deps) : record.progress;
        out.document({ ...publicRecord(record), ...(open && progress && { progress }), ...(events && { events }) });
        out.lines(formatRecordHeader(record));
        if (open && progress) out.lines(formatProgress(progress));
        if (record.result) out.lines(formatResult(record.result));
        if (events) out.lines(['', 'Audit trail:', ...formatEvents(events)]);
        return exitCodeOfState(record.state);
    },
};
