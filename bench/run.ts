/**
 * `npm run bench`: the performance goals of the sign-out against the tenant simulator with a fixed added latency and
 * Graph's write quota. Prints a table per scenario and PASS/MISS per target; writes bench/results/bench-<time>.json.
 */
import '../test/support/quietTestMode';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bulkFixture } from '../test/simulator';
import { startAppHarness } from '../test/support/appHarness';
import { startAzurite } from '../test/support/azurite';
import { measureAcceptLatency, type AcceptLatencyResult } from './acceptLatency';
import { runBaseline } from './baseline';
import { runBulkSignOut } from './bulkSignOut';
import { measureColdStart } from './coldStart';
import { floorOf } from './floor';
import { parseOptions } from './options';
import { GRAPH_WRITE_QUOTA } from './quota';
import { printReport } from './report';
import { runSingleUser, type SingleUserResult } from './singleUser';
import { checkTargets } from './targets';

const COLD_START_RUNS = 15;
const ACCEPT_CALLS = 1000;

/** Scenarios 1 and 5b share one Azurite and one app configuration (read once per process). */
async function handlerScenarios(
    latencyInMs: number,
): Promise<{ single: SingleUserResult; accept: AcceptLatencyResult }> {
    const azurite = await startAzurite();
    process.env.AZURITE_CONNECTION_STRING = azurite.connectionString;
    const harness = await startAppHarness({
        simulator: { fixture: bulkFixture(1, 3, 2), latencyMs: latencyInMs, graphWriteQuota: GRAPH_WRITE_QUOTA },
    });
    try {
        const single = await runSingleUser(harness, latencyInMs);
        const accept = await measureAcceptLatency(ACCEPT_CALLS);
        return { single, accept };
    } finally {
        await harness.close();
        await azurite.stop();
    }
}

async function main(): Promise<void> {
    const options = parseOptions(process.argv.slice(2));
    const L = options.latencyInMs;
    const shape = { users: options.users, environments: 3, sessionsPerUser: 2 };
    const startedAt = new Date();
    console.log(`bench: latency ${L} ms, bulk ${shape.users} users × 3 environments × 2 sessions`);

    const coldStart = await measureColdStart({ skipBuild: options.skipBuild, runs: COLD_START_RUNS });
    const { single, accept } = await handlerScenarios(L);
    const bulk = await runBulkSignOut(shape, L);
    const baseline = await runBaseline(shape, options.baselineUsers, L);
    const floor = floorOf({ ...shape, latencyInMs: L, cold: true });
    const targets = checkTargets({
        roundTrips: single.roundTrips,
        bulkInMs: bulk.wallInMs,
        baselineInMs: baseline.estimatedWallInMs,
        floorInMs: floor.totalInMs,
        coldStartAppInMs: coldStart.app.processInMs,
        coldStartBareInMs: coldStart.bare.processInMs,
    });

    printReport({ latencyInMs: L, single, accept, bulk, baseline, floor, coldStart, targets });

    const resultsDir = path.join(__dirname, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    const machine = {
        cpus: os.availableParallelism(),
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryInBytes: os.totalmem(),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
    };
    const args = process.argv.slice(2);
    const command = args.length > 0 ? `npm run bench -- ${args.join(' ')}` : 'npm run bench';
    const results = { startedAt, command, options, machine, single, accept, bulk, baseline, floor, coldStart, targets };
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
});
