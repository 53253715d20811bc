import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Azurite's documented, public development account: not a secret. */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
    connectionString: string;
    pid: number;
    stop(): Promise<void>;
}

export function azuriteConnectionString(ports: { blob: number; queue: number; table: number }): string {
    const endpoint = (port: number) => `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
    return [
        'DefaultEndpointsProtocol=http',
        `AccountName=${DEV_ACCOUNT}`,
        `AccountKey=${DEV_KEY}`,
        `BlobEndpoint=${endpoint(ports.blob)}`,
        `QueueEndpoint=${endpoint(ports.queue)}`,
        `TableEndpoint=${endpoint(ports.table)}`,
    ].join(';');
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

async function waitForPort(port: number, child: ChildProcess, timeoutInMs: number): Promise<void> {
    const deadline = Date.now() + timeoutInMs;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode} before listening`);
        const open = await new Promise<boolean>((resolve) => {
            const socket = net.connect(port, '127.0.0.1', () => {
                socket.end();
                resolve(true);
            });
            socket.on('error', () => resolve(false));
        });
        if (open) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Azurite did not listen on port ${port} within ${timeoutInMs} ms`);
}

/**
 * The flags of `npm run azurite` (package.json), the command the README gives developers: every test run starts
 * Azurite with exactly these, so a flag the locked SDKs need (platform-facts §7) cannot go missing there.
 */
export function azuriteScriptFlags(): string[] {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
    };
    const [command, ...flags] = (manifest.scripts.azurite ?? '').split(/\s+/);
    if (command !== 'azurite') throw new Error('package.json has no "azurite" script starting with azurite');
    return flags;
}

/** Starts Azurite from node_modules, in memory, on free ports; `stop` ends exactly the process it started. */
export async function startAzurite(): Promise<RunningAzurite> {
    const ports = { blob: await freePort(), queue: await freePort(), table: await freePort() };
    const entry = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
    const child = spawn(
        process.execPath,
        [
            entry,
            ...azuriteScriptFlags(),
            '--blobHost',
            '127.0.0.1',
            '--queueHost',
            '127.0.0.1',
            '--tableHost',
            '127.0.0.1',
            '--blobPort',
            String(ports.blob),
            '--queuePort',
            String(ports.queue),
            '--tablePort',
            String(ports.table),
        ],
        { stdio: 'ignore' },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
        await Promise.all([ports.blob, ports.queue, ports.table].map((port) => waitForPort(port, child, 30_000)));
    } catch (error) {
        child.kill();
        throw error;
    }
    return {
        connectionString: azuriteConnectionString(ports),
        pid: child.pid ?? -1,
        async stop() {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
        },
    };
}
