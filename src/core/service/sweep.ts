import { failureName } from '../errors';
import type { PurgeReport } from '../ports/auditStore';
import type { Telemetry } from '../ports/telemetry';
import { releaseDueHolds, type HoldReleaseReport } from './holdRelease';
import { handlePoisonQueue } from './poisonQueue';
import { telemetryOf, type ServiceDependencies } from './serviceDependencies';
import { sweepWatches, type WatchSweepReport } from './watchSweep';

/** The sweep's lease; an early release of a hold or watch takes it too, so the two never act on one at once. */
export const SWEEP_LEASE = 'sweep';
const DAY_IN_MS = 86_400_000;

export interface SweepReport extends WatchSweepReport, HoldReleaseReport {
    skipped?: string;
    poisonReported: number;
    poisonResumed: number;
    purged?: PurgeReport;
    /**
     * Every part ran and every tenant's watches could be checked. Recorded as `signout.health` by every run that
     * held the lease, and 0 by a run that could not even take it (storage unreachable).
     */
    healthy: boolean;
}

/**
 * The scheduled pass: cancels new sessions of watched users, ends watches whose window closed, releases expired
 * holds, purges old audit records and reports poisoned messages. Each part runs even when another failed. A lease
 * keeps overlapping runs from acting twice.
 */
export function runSweep(owner: string, deps: ServiceDependencies, leaseInMs: number): Promise<SweepReport> {
    const telemetry = telemetryOf(deps);
    return telemetry.span('sweep', {}, async (span) => {
        let report: SweepReport;
        try {
            report = await sweep(owner, deps, leaseInMs, telemetry);
        } catch (error) {
            telemetry.gauge('signout.health', 0);
            throw error;
        }
        if (report.skipped) span.set({ status: 'skipped' });
        else {
            telemetry.gauge('signout.health', report.healthy ? 1 : 0);
            span.set({ status: report.healthy ? 'healthy' : 'unhealthy' });
        }
        return report;
    });
}

async function sweep(
    owner: string,
    deps: ServiceDependencies,
    leaseInMs: number,
    telemetry: Telemetry,
): Promise<SweepReport> {
    const now = deps.now?.() ?? new Date();
    const report: SweepReport = {
        watchedUsers: 0,
        reconnectsCancelled: 0,
        watchesEnded: 0,
        watchesLapsed: 0,
        watchesSkipped: 0,
        tenantsSkipped: 0,
        holdsReleased: 0,
        holdsLeftAsIs: 0,
        poisonReported: 0,
        poisonResumed: 0,
        failures: [],
        healthy: true,
    };
    if (!(await deps.audit.tryAcquireLease(SWEEP_LEASE, owner, leaseInMs, now)))
        return { ...report, skipped: 'another sweep holds the lease' };
    let partsFailed = 0;
    const part = async (name: string, spanName: string, run: () => Promise<unknown>) => {
        try {
            await telemetry.span(spanName, {}, run);
        } catch (error) {
            partsFailed++;
            report.failures.push(`${name} did not run this pass: ${failureName(error)}`);
        }
    };
    try {
        const deadlineAt = now.getTime() + leaseInMs;
        await part('the watch', 'sweep.watches', () => sweepWatches(now, deadlineAt, deps, report));
        await part('hold release', 'sweep.holds', () => releaseDueHolds(now, deadlineAt, deps, report));
        await part('retention', 'sweep.retention', async () => {
            report.purged = await deps.audit.purgeOlderThan(
                new Date(now.getTime() - deps.settings.retentionDays * DAY_IN_MS),
            );
        });
        await part('the poison queue', 'sweep.poison', async () => {
            const poison = await handlePoisonQueue(now, deps);
            report.poisonResumed = poison.resumed;
            report.poisonReported = poison.deadLettered;
        });
    } finally {
        await deps.audit.releaseLease(SWEEP_LEASE, owner);
    }
    report.healthy = partsFailed === 0 && report.tenantsSkipped === 0;
    return report;
}
