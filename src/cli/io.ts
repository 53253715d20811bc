import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Everything the CLI touches of its process, passed in so that tests run `main` in-process with fakes and the
 * entry point wires the real streams.
 */
export interface CliIo {
    stdout(text: string): void;
    stderr(text: string): void;
    /** The whole of standard input, read when a command is given `-`. */
    readStdin(): Promise<string>;
    /** A file named on the command line, relative to the working directory. */
    readTextFile(name: string): Promise<string>;
    env: Record<string, string | undefined>;
    /** Standard error is a terminal: progress redraws one line instead of printing one per step. */
    stderrIsTTY: boolean;
    stderrColumns?: number;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
}

export function processIo(): CliIo {
    return {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        readStdin: () => readAll(process.stdin),
        readTextFile: (name) => readFile(path.resolve(process.cwd(), name), 'utf8'),
        env: process.env,
        stderrIsTTY: process.stderr.isTTY === true,
        ...(process.stderr.columns && { stderrColumns: process.stderr.columns }),
    };
}
