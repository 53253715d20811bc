import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import path from 'node:path';

export interface CallbackReceiver {
    /** `127.0.0.1:<port>`, the allow-list entry for this receiver. */
    hostEntry: string;
    url: string;
    received: unknown[];
    /** The path and query of each callback, exactly as it arrived. */
    paths: string[];
    close(): Promise<void>;
}

/** An https endpoint on loopback (test certificate) that records what callbacks POST to it. */
export async function startCallbackReceiver(status = 200): Promise<CallbackReceiver> {
    const certs = path.join(__dirname, '..', 'simulator', 'certs');
    const received: unknown[] = [];
    const paths: string[] = [];
    const server: Server = createServer(
        { cert: readFileSync(path.join(certs, 'server.pem')), key: readFileSync(path.join(certs, 'server.key')) },
        (request, response) => {
            let body = '';
            request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
            request.on('end', () => {
                paths.push(request.url ?? '');
                received.push(JSON.parse(body) as unknown);
                response.writeHead(status).end();
            });
        },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return {
        hostEntry: `127.0.0.1:${port}`,
        url: `https://127.0.0.1:${port}/callbacks/signout`,
        received,
        paths,
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
