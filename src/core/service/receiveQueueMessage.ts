import { admissionRefusal } from '../callers/admission';
import type { FieldProblem } from '../errors';
import { tryParseJson } from '../parseJson';
import type { Caller, RequestRecord } from '../ports/auditStore';
import type { WorkItem } from '../ports/requestQueue';
import { parseSignOutRequest, type SignOutRequest } from '../request/signOutRequest';
import { claimRequest, conflictMessage } from './acceptRequest';
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
        typeof item?.requestId === 'string' &&
        (item.continuation === undefined || Number.isInteger(item.continuation))
    );
}

/**
 * One queue message: a work item from the HTTP API, or a whole request from an ITSM tool. An invalid or refused
 * message is recorded as `rejected` and consumed (never retried); transient failures throw so the host delivers it
 * again. The sender is whoever may write to the queue (the ITSM identity): who asked is what the message claims
 * (`requestedBy`), recorded as claimed, not verified.
 */
export async function receiveQueueMessage(
    message: unknown,
    attempt: AttemptInfo,
    deps: ServiceDependencies,
): Promise<QueueOutcome> {
    const queueCaller: Caller = { kind: 'queue', id: deps.settings.queueName, verified: false };
    const parsedJson = typeof message === 'string' ? tryParseJson(message) : message;
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    const reject = async (problems: FieldProblem[], code?: string): Promise<QueueOutcome> => ({
        kind: 'rejected',
        problems,
        record: await recordRefusedMessage(text, problems, 'rejected', queueCaller, deps, {
            dequeueCount: attempt.dequeueCount,
            ...(code && { code }),
        }),
    });
    if (parsedJson === undefined) return reject([{ field: '(message)', reason: 'is not valid JSON' }]);
    if (isWorkItem(parsedJson)) {
        const { requestId, continuation = 0 } = parsedJson.workItem;
        const outcome = await processRequest(requestId, { ...attempt, continuation }, deps);
        return outcome.kind === 'unknown-request'
            ? reject([{ field: 'workItem.requestId', reason: 'names no known request' }])
            : outcome;
    }
    const now = deps.now?.() ?? new Date();
    // Without an id or a ticket, the id comes from the content: every delivery of the message is the same request.
    const parsed = parseSignOutRequest(parsedJson, deps.settings.policy, now, { idWithoutTicket: 'content' });
    if (!parsed.ok) return reject(parsed.problems);
    const caller = queueCallerOf(parsed.value, deps.settings.queueName);
    const refusal = admissionRefusal(parsed.value, caller, deps.settings.callers);
    if (refusal) return reject([{ field: refusal.field, reason: refusal.message }], refusal.code);
    const claimed = await claimRequest(parsed, caller, 'queue', deps, now);
    if (claimed.kind === 'conflict')
        return reject([{ field: 'requestId', reason: conflictMessage(parsed.value.requestId) }], 'request-id-conflict');
    return processRequest(parsed.value.requestId, { ...attempt, continuation: 0 }, deps);
}

/** Who sent a queued request: the queue, with the requester the message names, recorded as claimed, not verified. */
export function queueCallerOf(request: SignOutRequest, queueName: string): Caller {
    return {
        kind: 'queue',
        id: queueName,
        verified: false,
        ...(request.requestedBy !== undefined && { name: request.requestedBy }),
    };
}
