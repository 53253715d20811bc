/**
 * `npm run bench`: the performance goals of the sign-out against the tenant simulator with a fixed added latency and
 * the platform's limits (Graph's quotas, BC's 5 calls per environment), each bulk run measured end to end (the CLI
 * from spawn to exit; a very large request from its POST to its result, through the queue and worker processes) and
 * compared to the least time the platform allows. Prints a table per scenario and PASS/MISS per target; writes
 * bench/results/bench-<time>.json.
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
import { runCliSignOut } from './cliSignOut';
import { runColdCliUser } from './coldCli';
import { measureColdStart } from './coldStart';
import { floorOf } from './floor';
import { parseOptions } from './options';
import { runQueueSignOut } from './queueSignOut';
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
        simulator: { fixture: bulkFixture(1, 3, 2), latencyMs: latencyInMs },
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
    const shapeOf = (users: number) => ({ users, environments: 3, sessionsPerUser: 2 });
    const floorFor = (users: number) => floorOf({ ...shapeOf(users), latencyInMs: L, cold: true });
    const startedAt = new Date();
    console.log(
        `bench: latency ${L} ms; CLI ${options.users} users, one request of ${options.largeUsers}, ` +
            `${options.queueUsers} through the queue with ${options.workers} workers; 3 environments × 2 sessions each`,
    );

    // Builds dist/, which the CLI scenarios run.
    const coldStart = await measureColdStart({ skipBuild: options.skipBuild, runs: COLD_START_RUNS });
    const { single, accept } = await handlerScenarios(L);
    const azurite = await startAzurite();
    let results;
    try {
        const coldCli = [
            await runColdCliUser(L, azurite.connectionString, false),
            await runColdCliUser(L, azurite.connectionString, true),
        ];
        const cli = {
            run: await runCliSignOut(shapeOf(options.users), L, azurite.connectionString),
            floor: floorFor(options.users),
        };
        const large =
            options.largeUsers > 0
                ? {
                      run: await runCliSignOut(shapeOf(options.largeUsers), L, azurite.connectionString),
                      floor: floorFor(options.largeUsers),
                  }
                : undefined;
        const queue =
            options.queueUsers > 0
                ? {
                      run: await runQueueSignOut(
                          shapeOf(options.queueUsers),
                          L,
                          azurite.connectionString,
                          options.workers,
                          options.workerHeapMib,
                      ),
                      floor: floorFor(options.queueUsers),
                  }
                : undefined;
        const baseline = await runBaseline(shapeOf(options.users), options.baselineUsers, L);
        const targets = checkTargets({
            roundTrips: single.roundTrips,
            coldCli,
            cli: { run: cli.run, floorInMs: cli.floor.totalInMs },
            ...(large && { large: { run: large.run, floorInMs: large.floor.totalInMs } }),
            ...(queue && { queue: { run: queue.run, floorInMs: queue.floor.totalInMs } }),
            baselineInMs: baseline.estimatedWallInMs,
            coldStartAppInMs: coldStart.app.processInMs,
            coldStartBareInMs: coldStart.bare.processInMs,
        });
        results = { latencyInMs: L, single, coldCli, accept, cli, large, queue, baseline, coldStart, targets };
    } finally {
        await azurite.stop();
    }
    printReport(results);

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
    const recorded = { startedAt, command, options, machine, ...results };
    writeFileSync(file, `${JSON.stringify(recorded, null, 2)}\n`);
    console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
});
