import { admissionRefusal } from '../callers/admission';
import type { FieldProblem } from '../errors';
import { tryParseJson } from '../parseJson';
import type { Caller, RequestRecord } from '../ports/auditStore';
import type { PoisonMessage } from '../ports/requestQueue';
import { parseSignOutRequest, type ParsedRequest } from '../request/signOutRequest';
import { FINAL_STATES } from '../result';
import { claimRequest } from './acceptRequest';
import { isWorkItem, queueCallerOf } from './receiveQueueMessage';
import { recordRefusedMessage } from './rejectMessage';
import { settleRequest } from './shards';
import { quoted } from '../logText';
import { countFinished, requestLogAttributes } from './requestTelemetry';
import { telemetryOf, type ServiceDependencies } from './serviceDependencies';

const POISON_BATCH = 32;
/** The audit event that counts a request's returns from the poison queue. */
const REQUEUED_FROM_POISON = 'resumed-from-poison';

export interface PoisonReport {
    /** Requests queued again. */
    resumed: number;
    /** Messages or requests recorded `dead-lettered`. */
    deadLettered: number;
}

/** What a poisoned message stands for: a request (with what to claim, for a whole request), or why it cannot run. */
type PoisonTarget =
    { kind: 'request'; requestId: string; parsed?: ParsedRequest } | { kind: 'refused'; problems: FieldProblem[] };

/**
 * Gives valid work another chance. A poisoned message whose request is unfinished, or a valid request that never got
 * claimed (a storage outage at the wrong moment), is claimed if need be and queued again, at most
 * `poisonRequeueLimit` times, counted by its trail's `resumed-from-poison` events. An invalid message, or a request
 * over the limit, becomes `dead-lettered`. A request a live worker still holds is looked at again on a later run.
 * A shard that had ended settles its request, in case it was the last. A message leaves the poison queue only after
 * what it led to is written.
 */
export async function handlePoisonQueue(now: Date, deps: ServiceDependencies): Promise<PoisonReport> {
    const report: PoisonReport = { resumed: 0, deadLettered: 0 };
    for (const message of await deps.queue.receivePoison(POISON_BATCH)) {
        const why = `delivery failed ${message.dequeueCount} times`;
        const data = {
            messageId: message.messageId,
            dequeueCount: message.dequeueCount,
            insertedOn: message.insertedOn ?? null,
        };
        const target = poisonTargetOf(message, deps, now);
        let record = target.kind === 'request' ? await deps.audit.getRequest(target.requestId) : undefined;
        let problems = target.kind === 'refused' ? target.problems : undefined;
        if (!record && target.kind === 'request' && target.parsed) {
            // Never claimed: the message is the only copy of the request, so it is claimed as the queue would have,
            // admission included (its refusal may be what could not be recorded).
            const caller = queueCallerOf(target.parsed.value, deps.settings.queueName);
            const refusal = admissionRefusal(target.parsed.value, caller, deps.settings.callers);
            if (refusal) problems = [{ field: refusal.field, reason: refusal.message }];
            else {
                const claimed = await claimRequest(target.parsed, caller, 'queue', deps, now);
                if (claimed.kind !== 'conflict') record = claimed.record;
            }
        }
        if (!record) {
            problems ??= [{ field: 'workItem.requestId', reason: 'names no known request' }];
            const caller: Caller = { kind: 'queue', id: `${deps.settings.queueName}-poison`, verified: false };
            const all = [{ field: '(message)', reason: why }, ...problems];
            const refused = await recordRefusedMessage(message.text, all, 'dead-lettered', caller, deps, data);
            logDeadLettered(deps, refused, why);
            report.deadLettered++;
        } else if (!FINAL_STATES.includes(record.state)) {
            // A live worker still holds it: look again on a later run (the message stays hidden until then).
            if (record.leaseUntil && Date.parse(record.leaseUntil) > now.getTime()) continue;
            if (await requeueOrDeadLetter(record, why, data, deps)) report.resumed++;
            else report.deadLettered++;
        } else if (record.parentRequestId) {
            // A shard that ended, poisoned because settling its request kept failing: it may have been the last.
            // While another worker settles it, look again on a later run, in case that worker dies first.
            if ((await settleRequest(record.parentRequestId, 'poison-queue', deps)) === 'busy') continue;
        }
        await deps.queue.deletePoison(message);
    }
    return report;
}

/** A work item names its request; a valid request parses to the same id as the queue worker gave it. */
function poisonTargetOf(message: PoisonMessage, deps: ServiceDependencies, now: Date): PoisonTarget {
    const value = tryParseJson(message.text);
    if (value === undefined)
        return { kind: 'refused', problems: [{ field: '(message)', reason: 'is not valid JSON' }] };
    if (isWorkItem(value)) return { kind: 'request', requestId: value.workItem.requestId };
    // As the queue worker parses it: without an id or a ticket, the id comes from the content.
    const parsed = parseSignOutRequest(value, deps.settings.policy, now, { idWithoutTicket: 'content' });
    if (!parsed.ok) return { kind: 'refused', problems: parsed.problems };
    return { kind: 'request', requestId: parsed.value.requestId, parsed };
}

/** True when queued again; false when over the limit and dead-lettered. */
async function requeueOrDeadLetter(
    record: RequestRecord,
    why: string,
    data: Record<string, unknown>,
    deps: ServiceDependencies,
): Promise<boolean> {
    const trail = await deps.audit.openTrail(record.requestId);
    const requeues = trail.events().filter((event) => event.type === REQUEUED_FROM_POISON).length;
    const limit = deps.settings.poisonRequeueLimit;
    if (requeues < limit) {
        await deps.queue.enqueue({ workItem: { requestId: record.requestId } });
        await trail.append([
            { type: REQUEUED_FROM_POISON, detail: why, data: { ...data, requeue: requeues + 1, limit } },
        ]);
        return true;
    }
    const detail = `${why}; queued again from the poison queue ${requeues} time(s), the limit (POISON_REQUEUE_LIMIT)`;
    await deps.audit.setState(record.requestId, 'dead-lettered', detail, {
        trail,
        events: [{ type: 'dead-lettered', status: 'dead-lettered', detail, data: { ...data, requeues, limit } }],
    });
    if (!record.parentRequestId) countFinished(telemetryOf(deps), 'dead-lettered', record.source);
    logDeadLettered(deps, { ...record, state: 'dead-lettered' }, detail);
    // A shard that ends this way may be its request's last: the request then ends with what its shards did.
    if (record.parentRequestId) await settleRequest(record.parentRequestId, 'poison-queue', deps);
    return false;
}

/** The `dead-lettered` record an operator starts from (the `dead-lettered` alert names the event). */
function logDeadLettered(deps: ServiceDependencies, record: RequestRecord, why: string): void {
    telemetryOf(deps).log({
        level: 'error',
        event: 'dead-lettered',
        ...requestLogAttributes(record),
        message: `request ${quoted(record.requestId)} dead-lettered: ${why}`,
    });
}
