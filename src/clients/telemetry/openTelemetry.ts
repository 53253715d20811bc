import {
    context,
    metrics,
    propagation,
    ROOT_CONTEXT,
    SpanKind,
    SpanStatusCode,
    trace,
    type Attributes,
    type Counter,
    type Gauge,
    type Span,
} from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import type {
    CounterName,
    DependencyCall,
    GaugeName,
    LogLevel,
    LogRecord,
    MetricAttributes,
    SpanAttributes,
    SpanScope,
} from '../../core/ports/telemetry';
import type { ProcessTelemetry, TraceContext } from './processTelemetry';

/** The tracer, meter and logger name (the telemetry contract, docs/operations.md). */
export const TELEMETRY_NAME = 'bc-force-signout';

/** The contract's counters (docs/operations.md, "Telemetry names"), with what each counts. */
export const COUNTERS: Record<CounterName, string> = {
    'signout.requests': 'Requests that reached a final state, by status and source',
    'signout.sessions.cancelled': 'Business Central sessions cancelled by sign-out requests',
    'signout.reconnects.cancelled': 'Sessions of watched users cancelled by the sweep',
    'signout.throttling.waits': 'Waits before a retry after a 429 or 503, by service',
    'signout.dead_lettered': 'Requests or messages recorded dead-lettered',
    'signout.watches.lapsed': 'Watches that could not be checked through the end of their window',
};

export const GAUGES: Record<GaugeName, string> = {
    'signout.health': '1 when a sweep found the service healthy, 0 when not',
};

const SEVERITY: Record<LogLevel, SeverityNumber> = {
    information: SeverityNumber.INFO,
    warning: SeverityNumber.WARN,
    error: SeverityNumber.ERROR,
};

/**
 * Telemetry over the OpenTelemetry API: it records into whatever SDK registered itself globally (the Azure Monitor
 * distro in Azure, in-memory exporters in tests). Create it after the SDK has started.
 */
export class OpenTelemetryTelemetry implements ProcessTelemetry {
    readonly exporting = true;
    private readonly tracer = trace.getTracer(TELEMETRY_NAME);
    private readonly meter = metrics.getMeter(TELEMETRY_NAME);
    private readonly logger = logs.getLogger(TELEMETRY_NAME);
    private readonly counters = new Map<CounterName, Counter>();
    private readonly gauges = new Map<GaugeName, Gauge>();

    span<T>(name: string, attributes: SpanAttributes, run: (span: SpanScope) => Promise<T>): Promise<T> {
        return this.tracer.startActiveSpan(
            name,
            { kind: SpanKind.INTERNAL, attributes: attributesOf(attributes) },
            (span) => runInSpan(span, run, (more) => span.setAttributes(attributesOf(more))),
        );
    }

    dependency<T>(call: DependencyCall, run: (span: SpanScope) => Promise<T>): Promise<T> {
        return this.tracer.startActiveSpan(
            `${call.method} ${call.service}`,
            { kind: SpanKind.CLIENT, attributes: dependencyAttributes(call) },
            (span) =>
                runInSpan(span, run, ({ statusCode, ...more }) => {
                    span.setAttributes(attributesOf(more));
                    if (statusCode === undefined) return;
                    span.setAttribute('http.response.status_code', statusCode);
                    if (statusCode >= 400)
                        span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${statusCode}` });
                }),
        );
    }

    count(metric: CounterName, value: number, attributes: MetricAttributes = {}): void {
        let counter = this.counters.get(metric);
        if (!counter) {
            counter = this.meter.createCounter(metric, { description: COUNTERS[metric] });
            this.counters.set(metric, counter);
        }
        counter.add(value, attributesOf(attributes));
    }

    gauge(metric: GaugeName, value: number): void {
        let gauge = this.gauges.get(metric);
        if (!gauge) {
            gauge = this.meter.createGauge(metric, { description: GAUGES[metric] });
            this.gauges.set(metric, gauge);
        }
        gauge.record(value);
    }

    log({ level, event, message, ...attributes }: LogRecord): void {
        this.logger.emit({
            severityNumber: SEVERITY[level],
            severityText: level,
            body: message,
            attributes: { event, ...attributesOf(attributes) },
        });
    }

    continueTrace<T>(traceContext: TraceContext | undefined, run: () => Promise<T>): Promise<T> {
        if (!traceContext?.traceParent) return run();
        const carrier: Record<string, string> = { traceparent: traceContext.traceParent };
        if (traceContext.traceState) carrier.tracestate = traceContext.traceState;
        return context.with(propagation.extract(ROOT_CONTEXT, carrier), run);
    }
}

async function runInSpan<T>(
    span: Span,
    run: (scope: SpanScope) => Promise<T>,
    set: (attributes: SpanAttributes) => void,
): Promise<T> {
    try {
        return await run({ set });
    } catch (error) {
        // The name and the service's code say what failed; a message may quote input, so it stays out.
        const failure = error as { name?: unknown; code?: unknown } | null;
        const name = typeof failure?.name === 'string' ? failure.name : 'Error';
        const code = typeof failure?.code === 'string' ? ` ${failure.code}` : '';
        span.setAttribute('error.type', name);
        span.setStatus({ code: SpanStatusCode.ERROR, message: `${name}${code}` });
        throw error;
    } finally {
        span.end();
    }
}

/** The fields that are set, under their own names (they become `customDimensions` in Application Insights). */
function attributesOf(attributes: SpanAttributes | MetricAttributes): Attributes {
    return Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== undefined)) as Attributes;
}

/**
 * The HTTP attributes Application Insights reads a dependency from (type, target, data). The URL is reduced to its
 * origin and path, and a callback's to its origin: a query or a callback path can carry a signature.
 */
export function dependencyAttributes(call: DependencyCall): Attributes {
    const url = new URL(call.url);
    const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
    return {
        'http.request.method': call.method,
        'url.full': call.service === 'callback' ? url.origin : `${url.origin}${url.pathname}`,
        'server.address': url.hostname,
        'server.port': port,
        service: call.service,
    };
}
