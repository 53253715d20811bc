import type { CliIo } from '../../../src/cli/io';

export interface MemoryIo extends CliIo {
    out(): string;
    err(): string;
}

/** A CliIo that keeps what the CLI writes, answers standard input and files from memory, and is not a terminal. */
export function memoryIo(options: {
    env: Record<string, string | undefined>;
    stdin?: string;
    files?: Record<string, string>;
    tty?: boolean;
}): MemoryIo {
    let stdout = '';
    let stderr = '';
    return {
        stdout: (text) => {
            stdout += text;
        },
        stderr: (text) => {
            stderr += text;
        },
        readStdin: async () => options.stdin ?? '',
        readTextFile: async (name) => {
            const text = options.files?.[name];
            if (text === undefined) throw Object.assign(new Error(`ENOENT: ${name}`), { code: 'ENOENT' });
            return text;
        },
        env: options.env,
        stderrIsTTY: options.tty === true,
        stderrColumns: 80,
        out: () => stdout,
        err: () => stderr,
    };
}
