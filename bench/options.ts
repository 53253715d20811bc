import { readFileSync } from 'node:fs';
import path from 'node:path';
export interface BenchOptions {
    /** Fixed latency the simulator adds to every call. */
    latencyInMs: number;
    /** Users of the CLI bulk scenario (the figure is 1,000). */
    users: number;
    /** Users of the one large request through the CLI (5,000); 0 skips it. */
    largeUsers: number;
    /** Users of the request through HTTP and the queue (10,000); 0 skips it. */
    queueUsers: number;
    /** Worker processes that take the queue's messages. */
    workers: number;
    /** `--max-old-space-size` of each worker, in MiB: by default the deployed one; 0: what V8 chooses here. */
    workerHeapMib: number;
    /** Users the baseline really runs; the rest is extrapolated. */
    baselineUsers: number;
    /** Use the `dist/` already built instead of running `npm run build`. */
    skipBuild: boolean;
}

const USAGE =
    'usage: npm run bench -- [--latency-ms 50] [--users 1000] [--large-users 5000] [--queue-users 10000] ' +
    '[--workers 2] [--worker-heap-mib <deployed>] [--baseline-users 50] [--skip-build]   (0 users skips a scenario)';

function wholeNumber(name: string, text: string | undefined, min: number): number {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} needs a whole number >= ${min}\n${USAGE}`);
    return value;
}

/** The workers run as the app is deployed: with the heap ceiling infra/main.bicep gives the Node.js worker. */
export function deployedWorkerHeapMib(): number {
    const bicep = readFileSync(path.join(__dirname, '..', 'infra', 'main.bicep'), 'utf8');
    const found = /^param workerHeapMib int = (\d+)\s*$/m.exec(bicep);
    if (!found) throw new Error('infra/main.bicep has no "param workerHeapMib int = <MiB>"');
    return Number(found[1]);
}

/** How a worker's heap was bounded, for the report. */
export function heapSetting(heapMib: number | undefined): string {
    if (!heapMib) return "V8's choice for this machine";
    return `--max-old-space-size=${heapMib}${heapMib === deployedWorkerHeapMib() ? ', as deployed' : ''}`;
}

export function parseOptions(args: readonly string[]): BenchOptions {
    const options: BenchOptions = {
        latencyInMs: 50,
        users: 1000,
        largeUsers: 5000,
        queueUsers: 10_000,
        workers: 2,
        workerHeapMib: deployedWorkerHeapMib(),
        baselineUsers: 50,
        skipBuild: false,
    };
    for (let i = 0; i < args.length; i++) {
        const [flag = '', inline] = (args[i] ?? '').split('=', 2);
        const value = () => inline ?? args[++i];
        switch (flag) {
            case '--latency-ms':
                options.latencyInMs = wholeNumber(flag, value(), 1);
                break;
            case '--users':
                options.users = wholeNumber(flag, value(), 1);
                break;
            case '--large-users':
                options.largeUsers = wholeNumber(flag, value(), 0);
                break;
            case '--queue-users':
                options.queueUsers = wholeNumber(flag, value(), 0);
                break;
            case '--workers':
                options.workers = wholeNumber(flag, value(), 1);
                break;
            case '--worker-heap-mib':
                options.workerHeapMib = wholeNumber(flag, value(), 0);
                break;
            case '--baseline-users':
                options.baselineUsers = wholeNumber(flag, value(), 1);
                break;
            case '--skip-build':
                options.skipBuild = true;
                break;
            default:
                throw new Error(`unknown argument ${args[i]}\n${USAGE}`);
        }
    }
    options.baselineUsers = Math.min(options.baselineUsers, options.users);
    return options;
}
