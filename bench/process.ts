import { spawn } from 'node:child_process';
import { ROOT } from './environment';

export interface ProcessRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs `node <args>` from the repository root with `env`, collecting what it prints. */
export function runNode(args: readonly string[], env: NodeJS.ProcessEnv): Promise<ProcessRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: ROOT, env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
}
