import { parseArgs } from 'node:util';
import { SWEEP_LEASE_IN_MS } from '../../composition/leases';
import { runSweep, type SweepReport } from '../../core/service/sweep';
import { readArguments } from '../arguments';
import { cliLeaseOwner } from '../cliIdentity';
import { EXIT } from '../exitCodes';
import { usageError } from '../failures';
import { Output } from '../output';
import type { Command } from './command';

/** As the timer's lease (src/functions/sweepTimer.ts): shorter than the schedule, so a crashed run frees it. */

function formatSweep(report: SweepReport): string[] {
    if (report.skipped) return [`Sweep skipped: ${report.skipped}.`];
    const purged = report.purged
        ? `${report.purged.requests} request(s), ${report.purged.events} event(s) purged${report.purged.kept > 0 ? `, ${report.purged.kept} kept for an active hold or watch` : ''}${report.purged.complete ? '' : ' (more next run)'}`
        : 'nothing purged';
    return [
        `Watched users             ${report.watchedUsers}`,
        `Reconnects cancelled      ${report.reconnectsCancelled}`,
        `Watches ended             ${report.watchesEnded}`,
        `Holds released            ${report.holdsReleased} (${report.holdsLeftAsIs} left as is)`,
        `Poison messages reported  ${report.poisonReported}`,
        `Retention                 ${purged}`,
        ...(report.failures.length > 0 ? ['', 'Failures:', ...report.failures.map((failure) => `  - ${failure}`)] : []),
    ];
}

export const sweepCommand: Command = {
    name: 'sweep',
    summary: 'run the scheduled sweep once: cancel reconnects, release holds, purge, report poison',
    help: `Usage: bc-signout sweep [--json]

Runs what the timer function runs every SWEEP_SCHEDULE, once, now: cancels new BC sessions of watched users,
ends watches whose window closed, releases timed holds (only what this service changed), purges audit records
older than RETENTION_DAYS and records poisoned queue messages. It takes the same lease as the timer, so it never
overlaps a running sweep (it is then skipped).

Options:
  --json    print the report only

Exit codes: 0 done (or skipped: another sweep holds the lease), 2 done with failures (listed).`,

    async run(args, context) {
        const parsed = readArguments(() => parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true }));
        if (!parsed.ok) return usageError(new Output(context.io, args.includes('--json')), 'sweep', parsed.message);
        const out = new Output(context.io, parsed.value.values.json === true);
        const deps = await context.dependencies({ queue: true });
        const report = await runSweep(cliLeaseOwner(), deps, SWEEP_LEASE_IN_MS);
        out.document(report);
        out.lines(formatSweep(report));
        return report.failures.length > 0 ? EXIT.partial : EXIT.done;
    },
};
