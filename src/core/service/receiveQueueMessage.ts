import type { FieldProblem } from '../errors';
import { tryParseJson } from '../parseJson';
import type { Caller, RequestRecord } from '../ports/auditStore';
import type { WorkItem } from '../ports/requestQueue';
import { parseSignOutRequest } from '../request/signOutRequest';
import { claimRequest } from './acceptRequest';
import { processRequest, type AttemptInfo, type ProcessOutcome } from './processRequest';
import { recordRefusedMessage } from './rejectMessage';
import type { ServiceDependencies } from './serviceDependencies';

export type QueueOutcome = ProcessOutcome | { kind: 'rejected'; record: RequestRecord; problems: FieldProblem[] };

export function isWorkItem(message: unknown): message is WorkItem {
    const item = (message as Partial<WorkItem> | null)?.workItem;
    return (
        typeof message === 'object' &&
        message !== null &&
        Object.keys(message).length === 1 &&
        typeof item?.requestId === 'string'
    );
}

/**
 * One queue message: a work item from the HTTP API, or a whole request from an ITSM tool. An invalid message is
 * recorded as `rejected` and consumed (never retried); transient failures throw so the host delivers it again.
 */
export async function receiveQueueMessage(
    message: unknown,
    attempt: AttemptInfo,
    deps: ServiceDependencies,
): Promise<QueueOutcome> {
    const caller: Caller = { kind: 'queue', id: deps.settings.queueName };
    const parsedJson = typeof message === 'string' ? tryParseJson(message) : message;
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    const reject = async (problems: FieldProblem[]): Promise<QueueOutcome> => ({
        kind: 'rejected',
        problems,
        record: await recordRefusedMessage(text, problems, 'rejected', caller, deps, {
            dequeueCount: attempt.dequeueCount,
        }),
    });
    if (parsedJson === undefined) return reject([{ field: '(message)', reason: 'is not valid JSON' }]);
    if (isWorkItem(parsedJson)) {
        const outcome = await processRequest(parsedJson.workItem.requestId, attempt, deps);
        return outcome.kind === 'unknown-request'
            ? reject([{ field: 'workItem.requestId', reason: 'names no known request' }])
            : outcome;
    }
    const parsed = parseSignOutRequest(parsedJson, deps.settings.policy, deps.now?.() ?? new Date());
    if (!parsed.ok) return reject(parsed.problems);
    await claimRequest(parsed.value, caller, 'queue', deps, deps.now?.() ?? new Date());
    return processRequest(parsed.value.requestId, attempt, deps);
}
