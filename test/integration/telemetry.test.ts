import type { HttpRequest, HttpResponseInit, InvocationContext, TraceContext } from '@azure/functions';
import { SpanKind, SpanStatusCode, type SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { processTelemetry } from '../../src/composition/telemetry';
import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { appConfig } from '../../src/config';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { sweepTimer } from '../../src/functions/sweepTimer';
import { sessionsCancelled } from '../../src/core/service/requestTelemetry';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { startCallbackReceiver, type CallbackReceiver } from '../support/callbackReceiver';
import {
    httpRequest,
    invocationContext,
    pumpQueue,
    sendQueueMessage,
    type CapturedLog,
    type QueueHandler,
} from '../support/hostEmulation';
import { InMemoryTelemetry, type MetricPoint } from '../support/inMemoryTelemetry';

/**
 * Telemetry as Application Insights would receive it, through the real handlers, clients and simulator, into the
 * OpenTelemetry SDK's in-memory exporters: one trace per invocation (the host's request span → the service → each
 * Graph `$batch`, BC call and callback as a dependency), the contract's metrics, structured log records, and no
 * secret anywhere in them.
 */
const { alice, dan } = FIXTURE.users;
const BASE = 'https://bc-signout.example/api';
const CALLBACK_SIGNATURE = 'sigTelemetry0123456789SECRET';
const REQUEST_ID = 'TELEMETRY-1';
const telemetry = new InMemoryTelemetry();
let harness: AppHarness;
let receiver: CallbackReceiver;
/** What the handlers wrote through the host's log: nothing while telemetry records it. */
const hostLogs: CapturedLog[] = [];
const hosts: Record<string, SpanContext[]> = {};

beforeAll(async () => {
    receiver = await startCallbackReceiver();
    harness = await startAppHarness({
        settings: {
            CALLBACK_ALLOWED_HOSTS: receiver.hostEntry,
            APPLICATIONINSIGHTS_CONNECTION_STRING:
                'InstrumentationKey=00000000-0000-0000-0000-0000000000a1;IngestionEndpoint=https://ingest.invalid/',
        },
    });
    // The process's telemetry, as the first invocation starts it, with in-memory exporters for Azure Monitor.
    await processTelemetry(appConfig(), telemetry.start);
}, 60_000);

afterAll(async () => {
    await harness.close();
    await receiver.close();
});

/** Runs a handler as the host invokes it: inside a request span of the host's, handing over its trace context. */
async function invoke<T>(name: string, run: (context: InvocationContext) => Promise<T>): Promise<T> {
    const { result, host } = await telemetry.asHost(name, (traceContext: TraceContext) =>
        run(invocationContext(name, {}, hostLogs, traceContext)),
    );
    (hosts[name] ??= []).push(host);
    return result;
}

const queueHandler: QueueHandler = async (message, delivered) => {
    const { result, host } = await telemetry.asHost('runQueuedSignOut', (traceContext) =>
        runQueuedSignOut(
            message,
            invocationContext('runQueuedSignOut', delivered.triggerMetadata ?? {}, hostLogs, traceContext),
        ),
    );
    (hosts.runQueuedSignOut ??= []).push(host);
    return result;
};

const post = (body: unknown) =>
    invoke<HttpResponseInit>('acceptSignOut', (context) =>
        acceptSignOut(httpRequest('POST', `${BASE}/signouts`, { body }) as HttpRequest, context),
    );

const sweep = () =>
    invoke('sweepTimer', (context) =>
        sweepTimer({ isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } } as never, context),
    );

/** The span, and each of its ancestors among the recorded spans. */
function ancestry(span: ReadableSpan, spans: readonly ReadableSpan[]): ReadableSpan[] {
    const chain = [span];
    for (let parent = span.parentSpanContext; parent;) {
        const found = spans.find((candidate) => candidate.spanContext().spanId === parent!.spanId);
        if (!found) break;
        chain.push(found);
        parent = found.parentSpanContext;
    }
    return chain;
}

const metricTotal = (points: MetricPoint[], name: string, where: Record<string, string> = {}) =>
    points
        .filter((point) => point.name === name)
        .filter((point) => Object.entries(where).every(([key, value]) => point.attributes[key] === value))
        .reduce((sum, point) => sum + point.value, 0);

describe('telemetry through the handlers', () => {
    let requestResult: Parameters<typeof sessionsCancelled>[0];

    beforeAll(async () => {
        // One throttled answer from each API, so each kind of wait is counted.
        harness.simulator.faults.add({
            service: 'graph',
            path: /revokeSignInSessions$/,
            kind: 'throttle',
            retryAfterSeconds: 0,
            times: 1,
        });
        harness.simulator.faults.add({
            service: 'bc-admin',
            method: 'GET',
            path: /\/sessions$/,
            kind: 'throttle',
            retryAfterSeconds: 0,
            times: 1,
        });
        const accepted = await post({
            requestId: REQUEST_ID,
            users: [alice.userPrincipalName, dan.id],
            reason: 'telemetry',
            callbackUrl: `${receiver.url}?api-version=1&sig=${CALLBACK_SIGNATURE}`,
        });
        expect(accepted.status).toBe(202);
        // A message no request can be made of: rejected.
        await sendQueueMessage(harness.connectionString, harness.queueName, { users: 'not a list' });
        await pumpQueue(harness.connectionString, harness.queueName, queueHandler);
        expect(receiver.received).toHaveLength(1);
        // A poisoned message nobody can run: the sweep records it dead-lettered.
        await sendQueueMessage(harness.connectionString, `${harness.queueName}-poison`, 'not json at all');
        harness.simulator.materialiseReconnects();
        await sweep();
        const record = await (await sharedServiceDependencies()).audit.getRequest(REQUEST_ID);
        expect(record?.state).toBe('completed');
        requestResult = record!.result!;
    }, 120_000);

    it('makes each invocation one trace: the host request, the service, and every call as a dependency', () => {
        const spans = telemetry.spans();
        const [run] = hosts.runQueuedSignOut!.filter((host) =>
            spans.some((span) => span.name === 'signout.process' && span.spanContext().traceId === host.traceId),
        );
        expect(run).toBeDefined();
        const process = spans.find(
            (span) => span.name === 'signout.process' && span.spanContext().traceId === run!.traceId,
        )!;
        expect(process.parentSpanContext?.spanId).toBe(run!.spanId);
        expect(process.attributes).toMatchObject({
            requestId: REQUEST_ID,
            tenantId: FIXTURE.tenantId,
            source: 'http',
            userCount: 2,
            status: 'completed',
            attempt: 1,
        });

        const calls = spans.filter(
            (span) => span.kind === SpanKind.CLIENT && span.spanContext().traceId === run!.traceId,
        );
        for (const call of calls) expect(ancestry(call, spans)).toContain(process);
        const byService = (service: string) => calls.filter((call) => call.attributes.service === service);
        expect(byService('graph').length).toBeGreaterThan(0);
        for (const batch of byService('graph'))
            expect(batch.attributes).toMatchObject({
                'http.request.method': 'POST',
                'url.full': `${harness.settings.GRAPH_ENDPOINT}/v1.0/$batch`,
                'http.response.status_code': 200,
            });
        expect(byService('bc-admin').length).toBeGreaterThan(0);
        expect(byService('bc-automation').length).toBeGreaterThan(0);
        for (const call of [...byService('bc-admin'), ...byService('bc-automation')])
            expect(String(call.attributes['url.full'])).toMatch(/^https:\/\/[^?]+$/);
        // The throttled listing is a failed dependency with its status; the retry that followed succeeded.
        const throttled = byService('bc-admin').filter((call) => call.attributes['http.response.status_code'] === 429);
        expect(throttled).toHaveLength(1);
        expect(throttled[0]!.status.code).toBe(SpanStatusCode.ERROR);
        // The callback by its receiver's origin only: never its path, query or signature.
        expect(byService('callback').map((call) => call.attributes['url.full'])).toEqual([
            new URL(receiver.url).origin,
        ]);
    });

    it("traces the engine's phases under the attempt: resolve, Entra, each environment, verify", () => {
        const spans = telemetry.spans();
        const process = spans.find(
            (span) => span.name === 'signout.process' && span.attributes.requestId === REQUEST_ID,
        )!;
        const engine = spans.filter(
            (span) => span.name.startsWith('engine.') && ancestry(span, spans).includes(process),
        );
        expect(new Set(engine.map((span) => span.name))).toEqual(
            new Set(['engine.resolve', 'engine.entra', 'engine.environment', 'engine.verify']),
        );
        for (const span of engine)
            expect(span.attributes).toMatchObject({ requestId: REQUEST_ID, tenantId: FIXTURE.tenantId });
        const environments = (name: string) =>
            engine
                .filter((span) => span.name === name)
                .map((span) => span.attributes.environment)
                .sort();
        const listed = requestResult.environments.map((environment) => environment.name).sort();
        expect(environments('engine.environment')).toEqual(listed);
        expect(environments('engine.verify')).toEqual(listed);
        for (const span of engine.filter((span) => span.name === 'engine.environment')) {
            const result = requestResult.environments.find((env) => env.name === span.attributes.environment);
            expect(span.attributes).toMatchObject({ status: result?.status, userCount: 2 });
        }
        // Each $batch of the attempt is made by a phase: the look-up (with the revocation) or the Entra actions.
        const batches = spans.filter(
            (span) =>
                span.kind === SpanKind.CLIENT &&
                span.attributes.service === 'graph' &&
                ancestry(span, spans).includes(process),
        );
        for (const batch of batches)
            expect(
                ancestry(batch, spans).some((span) => span.name === 'engine.resolve' || span.name === 'engine.entra'),
            ).toBe(true);
    });

    it('traces the HTTP invocation to the service that accepted the request', () => {
        const spans = telemetry.spans();
        const accept = spans.find((span) => span.name === 'signout.accept')!;
        expect(accept.parentSpanContext?.spanId).toBe(hosts.acceptSignOut![0]!.spanId);
        expect(accept.attributes).toMatchObject({
            requestId: REQUEST_ID,
            tenantId: FIXTURE.tenantId,
            status: 'accepted',
        });
    });

    it('traces the sweep and its parts', () => {
        const spans = telemetry.spans();
        const sweepSpan = spans.find((span) => span.name === 'sweep')!;
        expect(sweepSpan.parentSpanContext?.spanId).toBe(hosts.sweepTimer![0]!.spanId);
        expect(sweepSpan.attributes.status).toBe('healthy');
        const parts = spans.filter((span) => span.parentSpanContext?.spanId === sweepSpan.spanContext().spanId);
        expect(parts.map((span) => span.name).sort()).toEqual([
            'sweep.holds',
            'sweep.poison',
            'sweep.retention',
            'sweep.watches',
        ]);
    });

    it('counts the contract metrics', async () => {
        const points = await telemetry.metrics();
        expect(metricTotal(points, 'signout.requests', { status: 'completed', source: 'http' })).toBe(1);
        expect(metricTotal(points, 'signout.requests', { status: 'rejected', source: 'queue' })).toBe(1);
        expect(metricTotal(points, 'signout.requests', { status: 'dead-lettered', source: 'queue' })).toBe(1);
        expect(metricTotal(points, 'signout.dead_lettered')).toBe(1);
        expect(metricTotal(points, 'signout.sessions.cancelled')).toBe(sessionsCancelled(requestResult));
        expect(sessionsCancelled(requestResult)).toBeGreaterThan(0);
        expect(metricTotal(points, 'signout.reconnects.cancelled')).toBeGreaterThan(0);
        expect(metricTotal(points, 'signout.throttling.waits', { service: 'graph' })).toBe(1);
        expect(metricTotal(points, 'signout.throttling.waits', { service: 'bc-admin' })).toBe(1);
        expect(points.filter((point) => point.name === 'signout.health').map((point) => point.value)).toEqual([1]);
    });

    it('writes structured log records in the trace, and nothing through the host as well', () => {
        const records = telemetry.logs();
        const finished = records.find((record) => record.attributes.event === 'request-finished')!;
        expect(finished.attributes).toMatchObject({
            requestId: REQUEST_ID,
            tenantId: FIXTURE.tenantId,
            status: 'completed',
            source: 'http',
            callerId: 'unauthenticated',
            invocationId: expect.any(String),
        });
        expect(finished.body).toMatch(/finished: completed/);
        expect(hosts.runQueuedSignOut!.map((host) => host.traceId)).toContain(finished.spanContext?.traceId);
        const events = records.map((record) => record.attributes.event);
        expect(events).toEqual(
            expect.arrayContaining([
                'request-accepted',
                'request-finished',
                'message-rejected',
                'dead-lettered',
                'sweep-finished',
            ]),
        );
        expect(records.filter((record) => record.attributes.event === 'dead-lettered')[0]?.attributes).toMatchObject({
            status: 'dead-lettered',
        });
        expect(hostLogs).toEqual([]);
    });

    it('carries no secret, token, signature or bearer header, and no user in a metric', async () => {
        const spans = telemetry.spans().map((span) => ({
            name: span.name,
            attributes: span.attributes,
            status: span.status,
            events: span.events,
        }));
        const points = await telemetry.metrics();
        const records = telemetry.logs().map((record) => ({ body: record.body, attributes: record.attributes }));
        const everything = JSON.stringify({ spans, metrics: points, logs: records });
        const secrets = [
            harness.simulator.clientSecret,
            CALLBACK_SIGNATURE,
            `${receiver.url}?`,
            ...harness.simulator.issuedTokens(),
        ];
        expect(harness.simulator.issuedTokens().length).toBeGreaterThan(0);
        for (const secret of secrets) expect(everything).not.toContain(secret);
        expect(everything).not.toMatch(/bearer/i);
        const metricAttributes = JSON.stringify(points.map((point) => point.attributes)).toLowerCase();
        for (const user of [alice, dan])
            for (const id of [user.id, user.userPrincipalName, user.bcUserName])
                expect(metricAttributes).not.toContain(String(id).toLowerCase());
    });
});
