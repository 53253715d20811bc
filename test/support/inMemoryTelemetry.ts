import { metrics, propagation, ROOT_CONTEXT, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
    AggregationTemporality,
    InMemoryMetricExporter,
    MeterProvider,
    PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { TraceContext } from '../../src/clients/telemetry/processTelemetry';

export interface MetricPoint {
    name: string;
    value: number;
    attributes: Attributes;
}

/**
 * An OpenTelemetry SDK that keeps everything in memory, registered globally as the Azure Monitor distro registers
 * itself in Azure: what the app records through the OpenTelemetry API lands here instead of Application Insights.
 */
export class InMemoryTelemetry {
    private readonly spanExporter = new InMemorySpanExporter();
    private readonly metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    private readonly metricReader = new PeriodicExportingMetricReader({
        exporter: this.metricExporter,
        exportIntervalMillis: 3_600_000,
    });
    private readonly logExporter = new InMemoryLogRecordExporter();

    /** Registers the SDK (a `StartTelemetry` for `processTelemetry`). */
    readonly start = (): void => {
        new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.spanExporter)] }).register();
        metrics.setGlobalMeterProvider(new MeterProvider({ readers: [this.metricReader] }));
        logs.setGlobalLoggerProvider(
            new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: this.logExporter })] }),
        );
    };

    spans() {
        return this.spanExporter.getFinishedSpans();
    }

    logs() {
        return this.logExporter.getFinishedLogRecords();
    }

    /** Every data point recorded so far, counters as running totals, gauges as their last value. */
    async metrics(): Promise<MetricPoint[]> {
        this.metricExporter.reset();
        await this.metricReader.forceFlush();
        return this.metricExporter
            .getMetrics()
            .flatMap((resource) => resource.scopeMetrics)
            .flatMap((scope) => scope.metrics)
            .flatMap((metric) =>
                metric.dataPoints.map((point) => ({
                    name: metric.descriptor.name,
                    value: point.value as number,
                    attributes: point.attributes,
                })),
            );
    }

    /**
     * What the Functions host does for each invocation: a request span of its own, whose W3C trace context it hands
     * the worker (`InvocationContext.traceContext`). `run` gets that context; the span ends when `run` is done.
     */
    async asHost<T>(functionName: string, run: (traceContext: TraceContext) => Promise<T>) {
        const span = trace.getTracer('functions-host').startSpan(functionName, { kind: SpanKind.SERVER });
        const carrier: Record<string, string> = {};
        propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
        try {
            return { result: await run({ traceParent: carrier.traceparent }), host: span.spanContext() };
        } finally {
            span.end();
        }
    }
}
