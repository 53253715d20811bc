import { serviceSettings } from '../composition/serviceDependencies';
import { parseSignOutRequest, type ParsedRequest } from '../core/request/signOutRequest';
import type { CommandContext } from './commands/command';
import { invalidRequest, usageError } from './failures';
import { Output } from './output';
import { parseRequestArguments, requestInputOf, type RequestInput } from './requestOptions';
import { combineProblems } from './requestProblems';

export type ReadRequest =
    { ok: true; out: Output; input: RequestInput['input']; request: ParsedRequest } | { ok: false; exitCode: number };

/**
 * The command line of `signout` or `preview` as a validated request. Checked before any connection is made, so
 * bad input never needs storage or a token; every problem is reported at once.
 */
export async function readRequest(
    command: string,
    args: string[],
    context: CommandContext,
    now: Date,
): Promise<ReadRequest> {
    const parsed = parseRequestArguments(args);
    if (!parsed.ok)
        return {
            ok: false,
            exitCode: usageError(new Output(context.io, args.includes('--json')), command, parsed.message),
        };
    const out = new Output(context.io, parsed.value.values.json === true);
    const { input, problems } = await requestInputOf(parsed.value, context.io);
    const request = parseSignOutRequest(input, serviceSettings(context.config).policy, now);
    const all = combineProblems(problems, request.ok ? [] : request.problems);
    if (!request.ok || all.length > 0) return { ok: false, exitCode: invalidRequest(out, all, input) };
    return { ok: true, out, input, request };
}
