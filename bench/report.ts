import type { AcceptLatencyResult } from './acceptLatency';
import type { BaselineResult } from './baseline';
import type { BulkResult } from './bulkSignOut';
import type { ColdStartResult } from './coldStart';
import type { Floor } from './floor';
import type { SingleUserResult } from './singleUser';
import { round } from './stats';
import { mebibytes, ms, printTable, seconds } from './table';
import type { TargetCheck } from './targets';

export interface BenchResults {
    latencyInMs: number;
    single: SingleUserResult;
    accept: AcceptLatencyResult;
    bulk: BulkResult;
    baseline: BaselineResult;
    floor: Floor;
    coldStart: ColdStartResult;
    targets: TargetCheck[];
}

/** One table per scenario, then the targets. */
export function printReport(results: BenchResults): void {
    const { single, accept, bulk, baseline, floor, coldStart, targets } = results;
    const { users } = bulk.shape;
    printTable('1. One user, three environments, two sessions each (HTTP accept → queue handler → status 200)', [
        ['final status', single.status],
        ['accept → status 200', ms(single.totalInMs)],
        ['queue handler', ms(single.handlerInMs)],
        ['remote calls, first start → last answer', ms(single.engineInMs)],
        ['sequential round trips (waves)', String(single.roundTrips)],
        [`cross-check: remote time ÷ ${results.latencyInMs} ms`, String(single.roundTripsByTime)],
        ['token calls during the run', String(single.tokenCallsDuringRun)],
        ...single.waves.map((wave) => ['  wave', wave]),
    ]);
    printTable(`2. Bulk: ${users} users × 3 environments × 2 sessions (runSignOut, real adapters)`, [
        ['final status', bulk.status],
        ['wall time', seconds(bulk.wallInMs)],
        ['users revoked / sessions left', `${bulk.usersRevoked} / ${bulk.sessionsLeft}`],
        ['429s seen (each retried)', String(bulk.retriesAfter429)],
        ['peak RSS (bench process, simulator included)', mebibytes(bulk.peakRssInBytes)],
        [
            'settings',
            `GRAPH_RESOURCE_UNITS=${bulk.settings.graphResourceUnits} ` +
                `BC_CONCURRENCY=${bulk.settings.bcConcurrency} ` +
                `MAX_USERS_PER_REQUEST=${bulk.settings.maxUsersPerRequest}`,
        ],
        ...Object.entries(bulk.services).map(([service, tally]) => [
            `  ${service}`,
            `${tally.calls} calls ${JSON.stringify(tally.byMethod)}` +
                (tally.batchItems ? `, ${tally.batchItems} $batch items` : '') +
                `, peak ${tally.peakInFlight} in flight`,
        ]),
    ]);
    printTable('3. Baseline: one user after another, direct Graph calls, plain fetch', [
        ['users run', `${baseline.sampleUsers} of ${users}`],
        ['measured', seconds(baseline.sampleWallInMs)],
        [
            baseline.extrapolated ? `ESTIMATE for ${users} users (linear)` : 'wall time',
            seconds(baseline.estimatedWallInMs),
        ],
        ['sessions cancelled', String(baseline.sessionsCancelled)],
        ['ours ÷ baseline', (bulk.wallInMs / baseline.estimatedWallInMs).toFixed(3)],
    ]);
    printTable('4. Platform floor for scenario 2', [
        ['floor (documented limits, not our settings)', seconds(floor.totalInMs)],
        ['ours ÷ floor', (bulk.wallInMs / floor.totalInMs).toFixed(2)],
    ]);
    console.log(floor.formula);
    printTable('5. Cold start and HTTP accept latency', [
        ['build', coldStart.build.ran ? `exit ${coldStart.build.exitCode}` : 'skipped'],
        ...coldStart.build.errorLines.slice(0, 5).map((line) => ['  build error', line]),
        ['entry points', String(coldStart.entryPoints.length)],
        ['app: process spawn → exit (median)', ms(coldStart.app.processInMs)],
        ['bare app: process spawn → exit (median)', ms(coldStart.bare.processInMs)],
        ['app: require time (median)', ms(coldStart.app.requireInMs)],
        ['bare app: require time (median)', ms(coldStart.bare.requireInMs)],
        ['runs each', String(coldStart.app.runs)],
        [
            `acceptSignOut ×${accept.calls}, Azurite: p50 / p99 / max`,
            `${round(accept.p50InMs)} / ${round(accept.p99InMs)} / ${round(accept.maxInMs)} ms`,
        ],
    ]);
    printTable(
        'Targets',
        targets.map((t) => [t.pass ? 'PASS' : 'MISS', t.name, `target ${t.target}`, `measured ${t.measured}`]),
    );
}
