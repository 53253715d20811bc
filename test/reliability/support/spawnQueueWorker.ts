import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface QueueWorkerProcess {
    child: ChildProcess;
    /** The exit code, or the signal that ended it. */
    exited: Promise<number | NodeJS.Signals>;
    /** What the worker wrote to stderr, for a failure message. */
    stderr(): string;
    /** SIGKILL to exactly this process: no clean-up runs, as when a host instance dies. */
    kill(): Promise<number | NodeJS.Signals>;
}

const ROOT = path.join(__dirname, '..', '..', '..');
const SCRIPT = path.join(__dirname, 'queueWorker.ts');

/** Starts `queueWorker.ts` (through tsx's loader hooks, so the pid is the worker itself) with the given settings. */
export function spawnQueueWorker(
    settings: Record<string, string>,
    messageText: string,
    dequeueCount: number,
): QueueWorkerProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, messageText, String(dequeueCount)], {
        cwd: ROOT,
        env: { ...process.env, ...settings },
        stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | NodeJS.Signals>((resolve) =>
        child.once('exit', (code, signal) => resolve(code ?? signal ?? 'SIGKILL')),
    );
    return {
        child,
        exited,
        stderr: () => stderr,
        kill() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            return exited;
        },
    };
}
