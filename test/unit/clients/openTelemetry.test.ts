import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
    COUNTERS,
    dependencyAttributes,
    GAUGES,
    OpenTelemetryTelemetry,
    TELEMETRY_NAME,
} from '../../../src/clients/telemetry/openTelemetry';
import { InMemoryTelemetry } from '../../support/inMemoryTelemetry';
import { documentedMetrics, OPERATIONS_DOC } from '../ecosystem/support/telemetryContract';

const sdk = new InMemoryTelemetry();
sdk.start();
const telemetry = new OpenTelemetryTelemetry();
const spanNamed = (name: string) => sdk.spans().find((span) => span.name === name)!;

describe('the telemetry contract', () => {
    it('names every metric of docs/operations.md, and no other', () => {
        expect([...Object.keys(COUNTERS), ...Object.keys(GAUGES)].sort()).toEqual(documentedMetrics().sort());
        expect(OPERATIONS_DOC).toMatch(new RegExp(`Meter and tracer\\s+name: \`${TELEMETRY_NAME}\``));
    });

    it('records under the meter name and the contract names', async () => {
        telemetry.count('signout.requests', 2, { status: 'completed', source: 'http' });
        telemetry.gauge('signout.health', 0);
        telemetry.gauge('signout.health', 1);
        const points = await sdk.metrics();
        expect(points).toEqual(
            expect.arrayContaining([
                { name: 'signout.requests', value: 2, attributes: { status: 'completed', source: 'http' } },
                { name: 'signout.health', value: 1, attributes: {} },
            ]),
        );
        expect(points.filter((point) => point.name === 'signout.health')).toHaveLength(1);
    });
});

describe('spans', () => {
    it('nest what runs inside them, with the attributes known at the end', async () => {
        await telemetry.span('signout.process', { requestId: 'R-1' }, async (span) => {
            await telemetry.span('engine.resolve', { userCount: 2 }, async () => undefined);
            span.set({ status: 'completed', environment: undefined });
        });
        const parent = spanNamed('signout.process');
        expect(parent.attributes).toEqual({ requestId: 'R-1', status: 'completed' });
        expect(parent.kind).toBe(SpanKind.INTERNAL);
        expect(parent.instrumentationScope.name).toBe(TELEMETRY_NAME);
        expect(spanNamed('engine.resolve').parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    });

    it("fail with the error's name and code, never its message, and throw it on", async () => {
        const error = Object.assign(new Error('no user alice@contoso.com'), {
            name: 'ServiceError',
            code: 'Request_ResourceNotFound',
        });
        await expect(telemetry.span('failing', {}, () => Promise.reject(error))).rejects.toBe(error);
        const span = spanNamed('failing');
        expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ServiceError Request_ResourceNotFound' });
        expect(span.attributes).toEqual({ 'error.type': 'ServiceError' });
        expect(span.events).toEqual([]);
    });

    it("continue the host's trace from its trace context, and start their own without one", async () => {
        const traceParent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
        await telemetry.continueTrace({ traceParent }, () => telemetry.span('in-host-trace', {}, async () => 1));
        await telemetry.continueTrace({}, () => telemetry.span('own-trace', {}, async () => 1));
        expect(spanNamed('in-host-trace').spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
        expect(spanNamed('in-host-trace').parentSpanContext?.spanId).toBe('b7ad6b7169203331');
        expect(spanNamed('own-trace').parentSpanContext).toBeUndefined();
    });
});

describe('dependencies', () => {
    it('are client calls with the status they answered; 4xx and 5xx fail', async () => {
        const call = { service: 'bc-admin' as const, method: 'GET', url: 'https://api.example.com/admin/x' };
        await telemetry.dependency(call, async (span) => span.set({ statusCode: 429, itemCount: 3 }));
        const span = spanNamed('GET bc-admin');
        expect(span.kind).toBe(SpanKind.CLIENT);
        expect(span.attributes).toMatchObject({ 'http.response.status_code': 429, itemCount: 3, service: 'bc-admin' });
        expect(span.attributes).not.toHaveProperty('statusCode');
        expect(span.status.code).toBe(SpanStatusCode.ERROR);
    });

    it('keep a URL without credentials, query or fragment, and a callback by its origin alone', () => {
        expect(
            dependencyAttributes({
                service: 'bc-automation',
                method: 'GET',
                url: 'https://user:secret@api.example.com:8443/v2.0/PROD/api/users?$filter=x&sig=S#f',
            }),
        ).toEqual({
            'http.request.method': 'GET',
            'url.full': 'https://api.example.com:8443/v2.0/PROD/api/users',
            'server.address': 'api.example.com',
            'server.port': 8443,
            service: 'bc-automation',
        });
        const callback = 'https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=S';
        expect(dependencyAttributes({ service: 'callback', method: 'POST', url: callback })).toMatchObject({
            'url.full': 'https://prod-01.westeurope.logic.azure.com',
            'server.port': 443,
        });
    });
});

describe('log records', () => {
    it('carry their event and attributes, and the trace they were written in', async () => {
        await telemetry.span('logging', {}, async () =>
            telemetry.log({
                level: 'warning',
                event: 'request-finished',
                message: 'sign-out "R-2" finished: partial',
                requestId: 'R-2',
                status: 'partial',
                callerId: 'unauthenticated',
                environment: undefined,
            }),
        );
        const [record] = sdk.logs().filter((log) => log.attributes.event === 'request-finished');
        expect(record?.body).toBe('sign-out "R-2" finished: partial');
        expect(record?.severityText).toBe('warning');
        expect(record?.attributes).toEqual({
            event: 'request-finished',
            requestId: 'R-2',
            status: 'partial',
            callerId: 'unauthenticated',
        });
        expect(record?.spanContext?.spanId).toBe(spanNamed('logging').spanContext().spanId);
    });
});
