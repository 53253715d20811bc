import { hostname } from 'node:os';
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { SWEEP_LEASE_IN_MS } from '../composition/leases';
import { services } from '../composition/lazyServices';
import { quoted } from '../core/logText';

/** Timer: reconnect sweep, hold release, retention and poison report. A missed run simply runs late (`isPastDue`). */
export async function sweepTimer(timer: Timer, context: InvocationContext): Promise<void> {
    if (timer.isPastDue) context.log('sweep is running late');
    const { runSweep } = await import('../core/service/sweep');
    const report = await runSweep(`${hostname()}:${context.invocationId}`, await services(), SWEEP_LEASE_IN_MS);
    if (report.skipped) {
        context.log(`sweep skipped: ${report.skipped}`);
        return;
    }
    context.log(
        `sweep: ${report.watchedUsers} watched, ${report.reconnectsCancelled} reconnects cancelled, ${report.watchesEnded} watches ended, ` +
            `${report.holdsReleased} holds released, ${report.holdsLeftAsIs} left as is, ${report.poisonResumed} resumed from poison, ${report.poisonReported} dead-lettered`,
    );
    for (const failure of report.failures) context.warn(`sweep: ${quoted(failure)}`);
}

app.timer('sweepTimer', { schedule: '%SWEEP_SCHEDULE%', handler: sweepTimer });
