import { ensureError } from '../errors';
import type { PurgeReport } from '../ports/auditStore';
import { releaseDueHolds, type HoldReleaseReport } from './holdRelease';
import { handlePoisonQueue } from './poisonQueue';
import type { ServiceDependencies } from './serviceDependencies';
import { sweepWatches, type WatchSweepReport } from './watchSweep';

/** The sweep's lease; an early release of a hold or watch takes it too, so the two never act on one at once. */
export const SWEEP_LEASE = 'sweep';
const DAY_IN_MS = 86_400_000;

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
        await part('the poison queue', async () => {
            const poison = await handlePoisonQueue(now, deps);
            report.poisonResumed = poison.resumed;
            report.poisonReported = poison.deadLettered;
        });
    } finally {
        await deps.audit.releaseLease(SWEEP_LEASE, owner);
    }
    return report;
}
