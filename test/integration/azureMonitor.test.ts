import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * The real Azure Monitor distro, started as the app starts it, against a local stand-in for Application Insights
 * ingestion and for the App Service managed identity endpoint: what the contract promises (customMetrics names and
 * dimensions, dependencies, InProc spans, traces with `event`) is what would be sent, in the host's operation, with
 * an Entra token of the managed identity that APPLICATIONINSIGHTS_AUTHENTICATION_STRING names.
 */
const ROOT = path.join(__dirname, '../..');
const CLIENT_ID = '44444444-4444-4444-4444-444444444444';
const TOKEN = 'monitor-token-from-the-managed-identity';
const HOST_TRACE_PARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

interface Envelope {
    name: string;
    tags: Record<string, string>;
    data: { baseType: string; baseData: Record<string, unknown> & { properties?: Record<string, string> } };
}

let server: Server;
let port = 0;
const envelopes: Envelope[] = [];
const ingestionAuthorizations: (string | undefined)[] = [];
const tokenRequests: URL[] = [];

beforeAll(async () => {
    const certs = path.join(ROOT, 'test', 'simulator', 'certs');
    server = createServer(
        { cert: readFileSync(path.join(certs, 'server.pem')), key: readFileSync(path.join(certs, 'server.key')) },
        (request, response) => {
            const chunks: Buffer[] = [];
            request.on('data', (chunk: Buffer) => chunks.push(chunk));
            request.on('end', () => {
                const url = new URL(request.url ?? '/', `https://127.0.0.1:${port}`);
                if (url.pathname === '/identity') {
                    tokenRequests.push(url);
                    const expiresOn = String(Math.floor(Date.now() / 1000) + 3600);
                    response.writeHead(200, { 'content-type': 'application/json' });
                    return response.end(
                        JSON.stringify({
                            access_token: TOKEN,
                            expires_on: expiresOn,
                            resource: url.searchParams.get('resource'),
                            token_type: 'Bearer',
                            client_id: CLIENT_ID,
                        }),
                    );
                }
                if (url.pathname === '/v2.1/track') {
                    ingestionAuthorizations.push(request.headers.authorization);
                    const body = Buffer.concat(chunks);
                    const text = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString();
                    const sent = JSON.parse(text) as Envelope[];
                    envelopes.push(...sent);
                    response.writeHead(200, { 'content-type': 'application/json' });
                    return response.end(
                        JSON.stringify({ itemsReceived: sent.length, itemsAccepted: sent.length, errors: [] }),
                    );
                }
                // Live metrics: not subscribed.
                response.writeHead(200, { 'x-ms-qps-subscribed': 'false' }).end();
            });
        },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;

    const endpoint = `https://127.0.0.1:${port}/`;
    const child = spawn(
        process.execPath,
        [require.resolve('tsx/cli'), 'test/support/azureMonitorChild.ts', HOST_TRACE_PARENT],
        {
            cwd: ROOT,
            env: {
                ...process.env,
                AzureWebJobsStorage: 'UseDevelopmentStorage=true',
                AZURE_TENANT_ID: '11111111-1111-1111-1111-111111111111',
                APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-0000000000a1;IngestionEndpoint=${endpoint};LiveEndpoint=${endpoint}`,
                APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${CLIENT_ID};Authorization=AAD`,
                // The App Service managed identity endpoint, as Flex Consumption provides it.
                IDENTITY_ENDPOINT: `${endpoint}identity`,
                IDENTITY_HEADER: 'identity-header',
                // The SDK's own usage reports go to a fixed Microsoft endpoint, out of this test's reach.
                APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
            },
            stdio: ['ignore', 'ignore', 'pipe'],
        },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`the telemetry process failed (${code}):\n${stderr}`);
}, 60_000);

afterAll(
    () =>
        new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
        }),
);

const traceId = HOST_TRACE_PARENT.split('-')[1];
const hostSpanId = HOST_TRACE_PARENT.split('-')[2];
const ofType = (baseType: string) => envelopes.filter((envelope) => envelope.data.baseType === baseType);

describe('Azure Monitor, as the app starts it', () => {
    it('authenticates with an Entra token of the managed identity the authentication string names', () => {
        expect(tokenRequests.length).toBeGreaterThan(0);
        expect(tokenRequests[0]!.searchParams.get('client_id')).toBe(CLIENT_ID);
        expect(tokenRequests[0]!.searchParams.get('resource')).toMatch(/^https:\/\/monitor\.azure\.com/);
        expect(ingestionAuthorizations.length).toBeGreaterThan(0);
        expect(ingestionAuthorizations.every((header) => header === `Bearer ${TOKEN}`)).toBe(true);
    });

    it('sends the metrics as customMetrics under the contract names, dimensions as properties', () => {
        const metrics = ofType('MetricData').flatMap((envelope) =>
            (envelope.data.baseData.metrics as { name: string; value: number }[]).map((metric) => ({
                ...metric,
                properties: envelope.data.baseData.properties,
            })),
        );
        expect(metrics).toEqual(
            expect.arrayContaining([
                expect.objectContaining({
                    name: 'signout.requests',
                    value: 1,
                    properties: { status: 'completed', source: 'http' },
                }),
                expect.objectContaining({ name: 'signout.health', value: 1 }),
            ]),
        );
    });

    it("sends the service's span and its call in the host's operation", () => {
        const dependencies = ofType('RemoteDependencyData');
        const service = dependencies.find((envelope) => envelope.data.baseData.name === 'signout.process')!;
        expect(service.data.baseData).toMatchObject({
            type: 'InProc',
            properties: { requestId: 'SMOKE-1', tenantId: 'tenant-1', status: 'completed' },
        });
        expect(service.tags['ai.operation.id']).toBe(traceId);
        expect(service.tags['ai.operation.parentId']).toBe(hostSpanId);
        const call = dependencies.find((envelope) => envelope.data.baseData.type === 'Http')!;
        expect(call.data.baseData).toMatchObject({
            name: 'POST /v1.0/$batch',
            data: 'https://graph.example/v1.0/$batch',
            target: 'graph.example',
            resultCode: '200',
            success: true,
            properties: expect.objectContaining({ service: 'graph' }),
        });
        expect(call.tags['ai.operation.id']).toBe(traceId);
    });

    it('sends log records as traces with their event, in the operation', () => {
        const [record] = ofType('MessageData').filter(
            (envelope) => envelope.data.baseData.properties?.event === 'request-finished',
        );
        expect(record?.data.baseData).toMatchObject({
            message: 'done',
            severityLevel: 'Information',
            properties: { event: 'request-finished', requestId: 'SMOKE-1' },
        });
        expect(record?.tags['ai.operation.id']).toBe(traceId);
    });
});
