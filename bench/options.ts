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
    /** `--max-old-space-size` of each worker, in MiB; 0: what V8 chooses for this machine. */
    workerHeapMib: number;
    /** Users the baseline really runs; the rest is extrapolated. */
    baselineUsers: number;
    /** Use the `dist/` already built instead of running `npm run build`. */
    skipBuild: boolean;
}

const USAGE =
    'usage: npm run bench -- [--latency-ms 50] [--users 1000] [--large-users 5000] [--queue-users 10000] ' +
    '[--workers 2] [--worker-heap-mib 0] [--baseline-users 50] [--skip-build]   (0 users skips a scenario)';

function wholeNumber(name: string, text: string | undefined, min: number): number {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} needs a whole number >= ${min}\n${USAGE}`);
    return value;
}

export function parseOptions(args: readonly string[]): BenchOptions {
    const options: BenchOptions = {
        latencyInMs: 50,
        users: 1000,
        largeUsers: 5000,
        queueUsers: 10_000,
        workers: 2,
        workerHeapMib: 0,
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
