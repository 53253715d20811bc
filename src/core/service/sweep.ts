import { ensureError } from '../errors';
import { tryParseJson } from '../parseJson';
import type { AuditEventInput, PurgeReport } from '../ports/auditStore';
import type { PoisonMessage } from '../ports/requestQueue';
import { FINAL_STATES } from '../result';
import { parseSignOutRequest } from '../request/signOutRequest';
import { isWorkItem } from './receiveQueueMessage';
import { recordRefusedMessage } from './rejectMessage';
import { releaseDueHolds, type HoldReleaseReport } from './holdRelease';
import type { ServiceDependencies } from './serviceDependencies';
import { sweepWatches, type WatchSweepReport } from './watchSweep';

const SWEEP_LEASE = 'sweep';
const DAY_IN_MS = 86_400_000;
const POISON_BATCH = 32;
/** Attempts after which a request that keeps failing is dead-lettered: two rounds of the host's deliveries. */
const MAX_ATTEMPTS = 10;

export interface SweepReport extends WatchSweepReport, HoldReleaseReport {
    skipped?: string;
    poisonReported: number;
    poisonResumed: number;
    purged?: PurgeReport;
}

/**
 * The scheduled pass: cancels new sessions of watched users, ends watches whose window closed, releases expired
 * holds, purges old audit records and reports poisoned messages. Each part runs even when another failed. A lease
 * keeps overlapping runs from acting twice.
 */
export async function runSweep(owner: string, deps: ServiceDependencies, leaseInMs: number): Promise<SweepReport> {
    const now = deps.now?.() ?? new Date();
    const report: SweepReport = {
        watchedUsers: 0,
        reconnectsCancelled: 0,
        watchesEnded: 0,
        watchesLapsed: 0,
        watchesSkipped: 0,
        holdsReleased: 0,
        holdsLeftAsIs: 0,
        poisonReported: 0,
        poisonResumed: 0,
        failures: [],
    };
    if (!(await deps.audit.tryAcquireLease(SWEEP_LEASE, owner, leaseInMs, now)))
        return { ...report, skipped: 'another sweep holds the lease' };
    const part = async (name: string, run: () => Promise<unknown>) => {
        try {
            await run();
        } catch (error) {
            const failure = ensureError(error) as Error & { code?: unknown };
            report.failures.push(
                `${name} did not run this pass: ${failure.name}${typeof failure.code === 'string' ? ` ${failure.code}` : ''}`,
            );
        }
    };
    try {
        const deadlineAt = now.getTime() + leaseInMs;
        await part('the watch', () => sweepWatches(now, deadlineAt, deps, report));
        await part('hold release', () => releaseDueHolds(now, deadlineAt, deps, report));
        await part('retention', async () => {
            report.purged = await deps.audit.purgeOlderThan(
                new Date(now.getTime() - deps.settings.retentionDays * DAY_IN_MS),
            );
        });
        await part('the poison report', () => reportPoison(now, deps, report));
    } finally {
        await deps.audit.releaseLease(SWEEP_LEASE, owner);
    }
    return report;
}

async function appendTo(deps: ServiceDependencies, requestId: string, events: AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    const trail = await deps.audit.openTrail(requestId);
    await trail.append(events);
}

/**
 * A poisoned message whose request was left unfinished by a worker that died (its lease has expired) is queued once
 * more, so the request resumes where it stopped; after `MAX_ATTEMPTS` attempts, or when nothing is known of it,
 * it becomes a `dead-lettered` record. It leaves the poison queue only after that is written.
 */
async function reportPoison(now: Date, deps: ServiceDependencies, report: SweepReport): Promise<void> {
    const messages: PoisonMessage[] = await deps.queue.receivePoison(POISON_BATCH);
    for (const message of messages) {
        const requestId = requestIdOf(tryParseJson(message.text), deps, now);
        const record = requestId ? await deps.audit.getRequest(requestId) : undefined;
        const why = `delivery failed ${message.dequeueCount} times`;
        const data = {
            messageId: message.messageId,
            dequeueCount: message.dequeueCount,
            insertedOn: message.insertedOn ?? null,
        };
        if (record && !FINAL_STATES.includes(record.state)) {
            // A live worker still holds it: look again on a later run (the message stays hidden until then).
            if (record.leaseUntil && Date.parse(record.leaseUntil) > now.getTime()) continue;
            if (record.attempts < MAX_ATTEMPTS) {
                await deps.queue.enqueue({ workItem: { requestId: record.requestId } });
                await appendTo(deps, record.requestId, [{ type: 'resumed-from-poison', detail: why, data }]);
                report.poisonResumed++;
            } else {
                await deps.audit.setState(record.requestId, 'dead-lettered', why);
                await appendTo(deps, record.requestId, [
                    { type: 'dead-lettered', status: 'dead-lettered', detail: why, data },
                ]);
                report.poisonReported++;
            }
        } else if (!record) {
            const caller = { kind: 'queue' as const, id: `${deps.settings.queueName}-poison`, verified: false };
            await recordRefusedMessage(
                message.text,
                [{ field: '(message)', reason: why }],
                'dead-lettered',
                caller,
                deps,
                data,
            );
            report.poisonReported++;
        }
        await deps.queue.deletePoison(message);
    }
}

/** The request a poisoned message stands for: a work item's id, or the id a valid request has or derives. */
function requestIdOf(value: unknown, deps: ServiceDependencies, now: Date): string | undefined {
    if (isWorkItem(value)) return value.workItem.requestId;
    const parsed = parseSignOutRequest(value, deps.settings.policy, now, { idWithoutTicket: 'content' });
    return parsed.ok ? parsed.value.requestId : undefined;
}
