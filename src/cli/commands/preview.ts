import { previewRequest } from '../../core/service/previewRequest';
import { exitCodeOfState } from '../exitCodes';
import { cliCaller } from '../cliIdentity';
import { invalidRequest, refused } from '../failures';
import { formatResult, formatSummary } from '../formatResult';
import { Progress } from '../progress';
import { readRequest } from '../readRequest';
import { REQUEST_OPTIONS_HELP } from '../requestOptions';
import type { Command } from './command';

export const previewCommand: Command = {
    name: 'preview',
    summary: 'dry run: resolve users and environments and say what signout would do; nothing changes',
    help: `Usage: bc-signout preview --user <upn|objectId> [...] --reason <text> [options]

Takes the same options as signout and answers what it would do: users resolved and guarded, sessions found per
environment, BC users matched ("would-do" per system). Nothing is changed and nothing is written to the audit
trail; the request id is not claimed.

${REQUEST_OPTIONS_HELP}

Example:
  bc-signout preview --users-file export.csv --column "User principal name" --reason "Leavers" --env PRODUCTION

Exit codes: 0 everything would be done, 2 only part of it, 3 nothing could be, 4 bad input.`,

    async run(args, context) {
        const read = await readRequest('preview', args, context, new Date());
        if (!read.ok) return read.exitCode;
        const { out, input, request } = read;

        const deps = await context.dependencies();
        const caller = await cliCaller(context.config, context.io.env, request.value.tenantId);
        const progress = new Progress(context.io, `previewing ${request.value.users.length} user(s)`);
        progress.start();
        const preview = await previewRequest(input, caller, deps).finally(() => progress.stop());
        if (preview.kind === 'invalid') return invalidRequest(out, preview.problems, input);
        if (preview.kind === 'refused') return refused(out, preview.refusal);
        out.document(preview.result);
        out.line(formatSummary(preview.result));
        out.lines(formatResult(preview.result));
        return exitCodeOfState(preview.result.status);
    },
};
