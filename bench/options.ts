export interface BenchOptions {
    /** Fixed latency the simulator adds to every call. */
    latencyInMs: number;
    /** Users of the bulk scenario (the brief's figure is 1,000). */
    users: number;
    /** Users the baseline really runs; the rest is extrapolated. */
    baselineUsers: number;
    /** Use the `dist/` already built instead of running `npm run build`. */
    skipBuild: boolean;
}

const USAGE = 'usage: npm run bench -- [--latency-ms 50] [--users 1000] [--baseline-users 50] [--skip-build]';

function wholeNumber(name: string, text: string | undefined, min: number): number {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} needs a whole number >= ${min}\n${USAGE}`);
    return value;
}

export function parseOptions(args: readonly string[]): BenchOptions {
    const options: BenchOptions = { latencyInMs: 50, users: 1000, baselineUsers: 50, skipBuild: false };
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
