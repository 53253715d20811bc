import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServiceDependencies } from '../src/composition/serviceDependencies';
import { readConfig } from '../src/config';
import { tallyByService, timelineOf } from './callAnalysis';
import { startBulkSimulator, type BulkShape, type EndToEndResult } from './cliSignOut';
import { checkOutcome } from './correctness';
import { analyseProfiles, type CpuProfileSummary } from './cpuProfile';
import { benchSettings, childEnvironment, ROOT } from './environment';
import { runNode } from './process';

export interface QueueResult extends EndToEndResult {
    workers: number;
    /** `--max-old-space-size` of the workers (MiB), when one was given. */
    workerHeapMib?: number;
    shards: number;
    messagesHandled: number;
    failedDeliveries: number;
    longestInvocationInMs: number;
    /** Peak memory of each worker process. */
    workerPeakRssInBytes: number[];
    cpu: CpuProfileSummary;
}

interface WorkerReport {
    handled: number;
    failedAttempts: number;
    poisoned: number;
    invocationsInMs: number[];
}

/**
 * A very large request as a Power Automate flow sends it: posted to the HTTP handler (accept splits it into shards
 * on the queue), run by `workers` processes taking four messages at a time like Functions instances, timed from the
 * POST to the request's final result. Each part runs in a process of its own, with the scenario's settings.
 */
export async function runQueueSignOut(
    shape: BulkShape,
    latencyInMs: number,
    connectionString: string,
    workers: number,
    heapMib = 0,
): Promise<QueueResult> {
    const simulator = await startBulkSimulator(shape, latencyInMs);
    try {
        compileProcesses();
        const settings = benchSettings(simulator, connectionString, shape.users);
        const requestId = `bench-queue-${shape.users}-${Date.now()}`;
        const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-queue-'));
        const scenario = { BENCH_REQUEST_ID: requestId, BENCH_USERS: String(shape.users) };
        // The instances are up before the request comes, as in a running app.
        const running = Promise.all(
            Array.from({ length: workers }, (_, index) => runWorker(index, settings, scenario, dir, heapMib)),
        );
        const posted = await runNode(['--import', 'tsx', path.join(__dirname, 'postRequest.ts')], {
            ...childEnvironment(settings, path.join(dir, 'post.rss')),
            ...scenario,
        });
        const answer = JSON.parse(posted.stdout.trim() || '{}') as {
            postedAt?: number;
            status?: number;
            body?: unknown;
        };
        if (answer.status !== 202 || answer.postedAt === undefined)
            throw new Error(
                `accept answered ${answer.status}: ${JSON.stringify(answer.body)} ${posted.stderr.slice(-2000)}`,
            );
        const reports = await running;
        const { audit } = await createServiceDependencies(readConfig(settings));
        const record = await audit.getRequest(requestId);
        const finishedAt = record?.result ? Date.parse(record.result.finishedAt) : Date.now();
        const services = tallyByService(simulator.calls, latencyInMs);
        const invocations = reports.flatMap((report) => report.invocationsInMs);
        return {
            shape,
            how: `POST → ${workers} worker processes, as many messages at once as host.json lets an instance → final result`,
            status: record?.state ?? 'unknown',
            wallInMs: finishedAt - answer.postedAt,
            exitCode: 0,
            peakRssInBytes: Math.max(...reports.map((report) => report.peakRssInBytes)),
            services,
            timeline: timelineOf(simulator.calls, answer.postedAt),
            retriesAfter429: Object.values(services).reduce((sum, tally) => sum + tally.throttled, 0),
            checks: checkOutcome(simulator, shape.users, record?.result),
            stderrTail: reports.flatMap((report) => report.stderrTail),
            workers,
            ...(heapMib > 0 && { workerHeapMib: heapMib }),
            shards: record?.shardCount ?? 0,
            messagesHandled: reports.reduce((sum, report) => sum + report.handled, 0),
            failedDeliveries: reports.reduce((sum, report) => sum + report.failedAttempts, 0),
            longestInvocationInMs: Math.max(0, ...invocations),
            workerPeakRssInBytes: reports.map((report) => report.peakRssInBytes),
            cpu: analyseProfiles(
                readdirSync(dir)
                    .filter((file) => file.endsWith('.cpuprofile'))
                    .map((file) => path.join(dir, file)),
            ),
        };
    } finally {
        await simulator.close();
    }
}

/** The worker and the poster run compiled, as the app runs in Azure: no TypeScript loader in their memory or CPU. */
const COMPILED = path.join(ROOT, 'dist-bench', 'bench');

function compileProcesses(): void {
    const tsc = spawnSync(
        process.execPath,
        [require.resolve('typescript/bin/tsc'), '-p', path.join(__dirname, 'tsconfig.worker.json')],
        {
            cwd: ROOT,
            encoding: 'utf8',
        },
    );
    if (tsc.status !== 0) throw new Error(`compiling the bench's worker failed:\n${tsc.stdout}${tsc.stderr}`);
}

async function runWorker(
    index: number,
    settings: Record<string, string>,
    scenario: Record<string, string>,
    dir: string,
    heapMib: number,
): Promise<WorkerReport & { peakRssInBytes: number; stderrTail: string[] }> {
    const peakRssFile = path.join(dir, `worker-${index}.rss`);
    const args = [
        ...(heapMib > 0 ? [`--max-old-space-size=${heapMib}`] : []),
        '-r',
        path.join(__dirname, 'peakRss.cjs'),
        '--cpu-prof',
        '--cpu-prof-dir',
        dir,
        path.join(COMPILED, 'queueWorker.js'),
    ];
    const env = { ...childEnvironment(settings, peakRssFile), ...scenario };
    const run = await runNode(args, env);
    if (run.code !== 0) throw new Error(`worker ${index} exited ${run.code}: ${run.stderr.slice(-2000)}`);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as WorkerReport;
    return {
        ...report,
        peakRssInBytes: Number(readFileSync(peakRssFile, 'utf8')),
        stderrTail: run.stderr.trim().split('\n').filter(Boolean).slice(-3),
    };
}
