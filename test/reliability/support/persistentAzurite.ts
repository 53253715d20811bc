import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { azuriteConnectionString, freePort } from '../../support/azurite';

/**
 * An Azurite that keeps its data on disk (`--location`), so it can be stopped and started again on the same ports
 * with its tables and queues intact; the in-memory one of the shared setup loses everything on restart.
 */
export interface PersistentAzurite {
    connectionString: string;
    start(): Promise<void>;
    /** SIGTERM to exactly the process this helper started; resolves once it exited. */
    stop(): Promise<void>;
}

async function portOpen(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
            socket.end();
            resolve(true);
        });
        socket.on('error', () => resolve(false));
    });
}

export async function persistentAzurite(location: string): Promise<PersistentAzurite> {
    const ports = { blob: await freePort(), queue: await freePort(), table: await freePort() };
    const entry = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();

    return {
        connectionString: azuriteConnectionString(ports),
        async start() {
            if (child && child.exitCode === null) throw new Error('Azurite is already running');
            const started = spawn(
                process.execPath,
                [
                    entry,
                    '--location',
                    location,
                    '--silent',
                    '--skipApiVersionCheck',
                    '--disableTelemetry',
                    '--loose',
                    ...['--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1', '--tableHost', '127.0.0.1'],
                    ...['--blobPort', String(ports.blob), '--queuePort', String(ports.queue)],
                    ...['--tablePort', String(ports.table)],
                ],
                { stdio: 'ignore' },
            );
            child = started;
            exited = new Promise((resolve) => started.once('exit', () => resolve()));
            const deadline = Date.now() + 30_000;
            for (const port of [ports.blob, ports.queue, ports.table]) {
                while (!(await portOpen(port))) {
                    if (started.exitCode !== null) throw new Error(`Azurite exited with ${started.exitCode}`);
                    if (Date.now() > deadline) throw new Error(`Azurite did not listen on ${port}`);
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
            }
        },
        async stop() {
            if (child && child.exitCode === null) child.kill('SIGTERM');
            await exited;
        },
    };
}
