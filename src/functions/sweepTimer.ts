import { hostname } from 'node:os';
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { SWEEP_LEASE_IN_MS } from '../composition/leases';
import { services } from '../composition/lazyServices';
import { quoted } from '../core/logText';
import type { InvocationLog } from './telemetry/invocationLog';
import { withTelemetry } from './telemetry/withTelemetry';

/** Timer: reconnect sweep, hold release, retention and poison report. A missed run simply runs late (`isPastDue`). */
export const sweepTimer = withTelemetry(async function sweepTimer(
    timer: Timer,
    context: InvocationContext,
    log: InvocationLog,
): Promise<void> {
    if (timer.isPastDue) log.info('sweep-late', 'sweep is running late');
    const { runSweep } = await import('../core/service/sweep');
    const report = await runSweep(`${hostname()}:${context.invocationId}`, await services(), SWEEP_LEASE_IN_MS);
    if (report.skipped) {
        log.info('sweep-skipped', `sweep skipped: ${report.skipped}`, { status: 'skipped' });
        return;
    }
    const status = report.healthy ? 'healthy' : 'unhealthy';
    const summary =
        `sweep (${status}): ${report.watchedUsers} watched, ${report.reconnectsCancelled} reconnects cancelled, ${report.watchesEnded} watches ended, ` +
        `${report.holdsReleased} holds released, ${report.holdsLeftAsIs} left as is, ${report.poisonResumed} resumed from poison, ${report.poisonReported} dead-lettered`;
    if (report.healthy) log.info('sweep-finished', summary, { status });
    else log.warn('sweep-finished', summary, { status });
    for (const failure of report.failures) log.warn('sweep-problem', `sweep: ${quoted(failure)}`);
});

app.timer('sweepTimer', { schedule: '%SWEEP_SCHEDULE%', handler: sweepTimer });
