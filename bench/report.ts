import type { AcceptLatencyResult } from './acceptLatency';
import type { BaselineResult } from './baseline';
import type { EndToEndResult } from './cliSignOut';
import type { ColdCliResult } from './coldCli';
import type { ColdStartResult } from './coldStart';
import type { Floor } from './floor';
import { heapSetting } from './options';
import type { QueueResult } from './queueSignOut';
import type { SingleUserResult } from './singleUser';
import { round } from './stats';
import { mebibytes, ms, printTable, seconds } from './table';
import type { TargetCheck } from './targets';

export interface BulkRun {
    run: EndToEndResult;
    floor: Floor;
}

export interface BenchResults {
    latencyInMs: number;
    single: SingleUserResult;
    coldCli: ColdCliResult[];
    accept: AcceptLatencyResult;
    cli: BulkRun;
    large?: BulkRun;
    queue?: { run: QueueResult; floor: Floor };
    baseline: BaselineResult;
    coldStart: ColdStartResult;
    targets: TargetCheck[];
}

/** One table per scenario, then the targets. */
export function printReport(results: BenchResults): void {
    const { single, coldCli, accept, cli, large, queue, baseline, coldStart, targets } = results;
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
    for (const cold of coldCli)
        printTable(
            `1b. One user, cold CLI process, environments ${cold.environmentsNamed ? 'named' : 'listed'} (after the token)`,
            [
                ['final status', cold.status],
                ['sequential round trips (waves)', String(cold.roundTripsAfterToken)],
                ...cold.waves.map((wave) => ['  wave', wave]),
            ],
        );
    printBulk('2', cli);
    printTable('3. Baseline: one user after another, direct Graph calls, plain fetch', [
        ['users run', `${baseline.sampleUsers} of ${cli.run.shape.users}`],
        ['measured', seconds(baseline.sampleWallInMs)],
        [
            baseline.extrapolated ? `ESTIMATE for ${cli.run.shape.users} users (linear)` : 'wall time',
            seconds(baseline.estimatedWallInMs),
        ],
        ['sessions cancelled', String(baseline.sessionsCancelled)],
        ['ours (CLI) ÷ baseline', (cli.run.wallInMs / baseline.estimatedWallInMs).toFixed(3)],
    ]);
    if (large) printBulk('4', large);
    if (queue) {
        const { run } = queue;
        printBulk('5', queue, [
            [
                'shards / messages handled / failed deliveries',
                `${run.shards} / ${run.messagesHandled} / ${run.failedDeliveries}`,
            ],
            ['longest invocation', seconds(run.longestInvocationInMs)],
            [
                `peak memory per worker (heap: ${heapSetting(run.workerHeapMib)})`,
                run.workerPeakRssInBytes.map(mebibytes).join(', '),
            ],
            [
                `CPU: ${run.cpu.profiles} profiles, busy / idle`,
                `${seconds(run.cpu.busyInMs)} / ${seconds(run.cpu.idleInMs)}`,
            ],
            ...run.cpu.top.map((entry) => [`  ${entry.percent.toFixed(1)}% ${entry.kind}`, entry.name]),
        ]);
    }
    printTable('6. Cold start and HTTP accept latency', [
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

function printBulk(number: string, bulk: BulkRun, extra: string[][] = []): void {
    const { run, floor } = bulk;
    const { users, environments, sessionsPerUser } = run.shape;
    printTable(
        `${number}. ${users.toLocaleString('en-US')} users × ${environments} environments × ${sessionsPerUser} sessions: ${run.how}`,
        [
            ['final status', run.status],
            ['wall time', seconds(run.wallInMs)],
            ['platform floor (documented limits, not our settings)', seconds(floor.totalInMs)],
            ['ours ÷ floor', (run.wallInMs / floor.totalInMs).toFixed(2)],
            [
                'revoked once / twice / not; sessions left',
                `${run.checks.revokedOnce} / ${run.checks.revokedTwice} / ${run.checks.notRevoked}; ${run.checks.sessionsLeft}`,
            ],
            ['result agrees with the simulator', run.checks.resultAgrees ? 'yes' : run.checks.problems.join('; ')],
            [
                'first call / first cancel / last cancel / last call',
                [
                    run.timeline.firstCallInMs,
                    run.timeline.firstDeleteInMs,
                    run.timeline.lastDeleteInMs,
                    run.timeline.lastCallInMs,
                ]
                    .map(seconds)
                    .join(' / '),
            ],
            ['429s seen (each retried)', String(run.retriesAfter429)],
            ['peak memory of the process', mebibytes(run.peakRssInBytes)],
            ...Object.entries(run.services).map(([service, tally]) => [
                `  ${service}`,
                `${tally.calls} calls ${JSON.stringify(tally.byMethod)}` +
                    (tally.batchItems ? `, ${tally.batchItems} $batch items` : '') +
                    `, peak ${tally.peakInFlight} in flight`,
            ]),
            ...extra,
            ...(run.status === 'completed' ? [] : run.stderrTail.map((line) => ['  stderr', line])),
        ],
    );
    console.log(floor.formula);
}
