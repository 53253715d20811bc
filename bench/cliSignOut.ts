import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SignOutResult } from '../src/core/result';
import { bulkFixture, bulkUserPrincipalName, startSimulator, type TenantSimulator } from '../test/simulator';
import { tallyByService, timelineOf, type ServiceTally, type Timeline } from './callAnalysis';
import { checkOutcome, type CorrectnessChecks } from './correctness';
import { benchSettings, childEnvironment, ROOT } from './environment';
import { runNode } from './process';

export interface BulkShape {
    users: number;
    environments: number;
    sessionsPerUser: number;
}

export interface EndToEndResult {
    shape: BulkShape;
    how: string;
    status: string;
    wallInMs: number;
    exitCode: number | null;
    peakRssInBytes: number;
    services: Record<string, ServiceTally>;
    /** Where the time went, from the simulator's call log. */
    timeline: Timeline;
    retriesAfter429: number;
    checks: CorrectnessChecks;
    /** The last lines the process wrote to standard error (its progress), for a run that went wrong. */
    stderrTail: string[];
}

/** Reconnects are the sweep's business; an hour keeps them out of a throughput measure. */
const NO_RECONNECT_DURING_RUN_MS = 3_600_000;
/** BC's 5 concurrent requests (platform-facts §3), enforced across every process of the app: the floor's figure. */
const BC_CONCURRENT_REQUESTS = 5;

/** A tenant of `shape`'s users and sessions with the platform's limits: Graph's quotas and BC's concurrency. */
export function startBulkSimulator(shape: BulkShape, latencyInMs: number): Promise<TenantSimulator> {
    return startSimulator({
        fixture: bulkFixture(shape.users, shape.environments, shape.sessionsPerUser),
        latencyMs: latencyInMs,
        reconnectDelayMs: NO_RECONNECT_DURING_RUN_MS,
        bcConcurrencyPerEnvironment: BC_CONCURRENT_REQUESTS,
    });
}

/**
 * A bulk sign-out as an admin runs it: `bc-signout signout --users-file` in a process of its own (the built CLI),
 * against the simulator with the platform's quotas and Azurite, timed from spawn to exit: the claim, the audit trail,
 * the user index and the watches included.
 */
export async function runCliSignOut(
    shape: BulkShape,
    latencyInMs: number,
    connectionString: string,
    nodeFlags: readonly string[] = [],
): Promise<EndToEndResult> {
    const simulator = await startBulkSimulator(shape, latencyInMs);
    try {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-cli-'));
        const usersFile = path.join(dir, 'users.csv');
        const users = Array.from({ length: shape.users }, (_, index) => bulkUserPrincipalName(index + 1));
        writeFileSync(usersFile, `User principal name\n${users.join('\n')}\n`);
        const peakRssFile = path.join(dir, 'peak-rss');
        const settings = benchSettings(simulator, connectionString, shape.users);
        const args = [
            ...nodeFlags,
            '-r',
            path.join(__dirname, 'peakRss.cjs'),
            path.join(ROOT, 'dist', 'src', 'cli', 'main.js'),
            'signout',
            '--users-file',
            usersFile,
            '--reason',
            'bench: bulk sign-out',
            '--request-id',
            `bench-cli-${shape.users}-${Date.now()}`,
            '--json',
        ];
        const startedAt = Date.now();
        const started = performance.now();
        const run = await runNode(args, childEnvironment(settings, peakRssFile));
        const wallInMs = performance.now() - started;
        const result = parseResult(run.stdout);
        const services = tallyByService(simulator.calls, latencyInMs);
        return {
            shape,
            how: 'bc-signout signout --users-file, spawn → exit',
            status: result?.status ?? `exit ${run.code}`,
            wallInMs,
            exitCode: run.code,
            peakRssInBytes: Number(readFileSync(peakRssFile, 'utf8')),
            services,
            timeline: timelineOf(simulator.calls, startedAt),
            retriesAfter429: Object.values(services).reduce((sum, tally) => sum + tally.throttled, 0),
            checks: checkOutcome(simulator, shape.users, result),
            stderrTail: run.stderr.trim().split('\n').slice(-5),
        };
    } finally {
        await simulator.close();
    }
}

/** With `--json` the CLI prints the `SignOutResult` alone. */
function parseResult(stdout: string): SignOutResult | undefined {
    try {
        const document = JSON.parse(stdout) as Partial<SignOutResult>;
        return Array.isArray(document.users) ? (document as SignOutResult) : undefined;
    } catch {
        return undefined;
    }
}
