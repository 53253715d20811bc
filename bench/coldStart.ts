import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { median } from './stats';

const ROOT = path.join(__dirname, '..');
const LOADER = path.join(__dirname, 'coldStart', 'requireEntryPoints.js');
const BARE_APP = path.join(__dirname, 'coldStart', 'bareApp.js');
const FUNCTIONS_DIR = path.join(ROOT, 'dist', 'src', 'functions');

export interface LoadTimes {
    /** Median wall time of a fresh process, from spawn to exit. */
    processInMs: number;
    /** Median time spent in `require` inside the process. */
    requireInMs: number;
    runs: number;
}

export interface ColdStartResult {
    build: { ran: boolean; exitCode: number | null; errorLines: string[] };
    entryPoints: string[];
    app: LoadTimes;
    bare: LoadTimes;
}

/** `npm run build` (tsc): errors are reported, and emitted files are still used when the entry points exist. */
function build(): ColdStartResult['build'] {
    const result = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], {
        cwd: ROOT,
        encoding: 'utf8',
    });
    const errorLines = `${result.stdout}${result.stderr}`.split('\n').filter((line) => /error TS\d+/.test(line));
    return { ran: true, exitCode: result.status, errorLines };
}

interface Sample {
    processInMs: number;
    requireInMs: number;
}

function timeOnce(files: readonly string[]): Promise<Sample> {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const child = spawn(process.execPath, [LOADER, ...files], {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'ignore'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
        child.on('error', reject);
        child.on('exit', (code) => {
            const processInMs = Number(process.hrtime.bigint() - started) / 1e6;
            if (code !== 0) return reject(new Error(`loading ${files.join(', ')} exited with ${code}`));
            resolve({ processInMs, requireInMs: (JSON.parse(out) as { requireInMs: number }).requireInMs });
        });
    });
}

/** Alternates the two apps run by run, so a busy moment of the machine hits both alike. */
async function compare(app: readonly string[], bare: readonly string[], runs: number) {
    const samples: { app: Sample[]; bare: Sample[] } = { app: [], bare: [] };
    for (let run = 0; run < runs; run++) {
        samples.app.push(await timeOnce(app));
        samples.bare.push(await timeOnce(bare));
    }
    const summary = (list: readonly Sample[]): LoadTimes => ({
        processInMs: median(list.map((s) => s.processInMs)),
        requireInMs: median(list.map((s) => s.requireInMs)),
        runs,
    });
    return { app: summary(samples.app), bare: summary(samples.bare) };
}

/**
 * Scenario 5a: a fresh Node process requiring every compiled function entry point (`dist/src/functions/*.js`, the
 * `main` glob the worker loads) against one requiring a bare app of one HTTP function. Medians of `runs`.
 */
export async function measureColdStart(options: { skipBuild: boolean; runs: number }): Promise<ColdStartResult> {
    const buildReport = options.skipBuild ? { ran: false, exitCode: null, errorLines: [] } : build();
    if (!existsSync(FUNCTIONS_DIR)) throw new Error(`${FUNCTIONS_DIR} is missing: the build emitted nothing`);
    const entryPoints = readdirSync(FUNCTIONS_DIR)
        .filter((name) => name.endsWith('.js'))
        .map((name) => path.join(FUNCTIONS_DIR, name));
    // One unmeasured run each fills the file-system cache.
    await timeOnce(entryPoints);
    await timeOnce([BARE_APP]);
    const times = await compare(entryPoints, [BARE_APP], options.runs);
    return {
        build: buildReport,
        entryPoints: entryPoints.map((file) => path.relative(ROOT, file)),
        ...times,
    };
}
