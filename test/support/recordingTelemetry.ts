import type {
    CounterName,
    DependencyCall,
    GaugeName,
    LogRecord,
    MetricAttributes,
    SpanAttributes,
    SpanScope,
    Telemetry,
} from '../../src/core/ports/telemetry';

export interface RecordedSpan {
    name: string;
    attributes: SpanAttributes;
    failed: boolean;
}

/** The telemetry port, remembering what the service reported: for tests of one service at a time. */
export class RecordingTelemetry implements Telemetry {
    readonly spans: RecordedSpan[] = [];
    readonly dependencies: DependencyCall[] = [];
    readonly counts: { metric: CounterName; value: number; attributes: MetricAttributes }[] = [];
    readonly gauges: { metric: GaugeName; value: number }[] = [];
    readonly logs: LogRecord[] = [];

    async span<T>(name: string, attributes: SpanAttributes, run: (span: SpanScope) => Promise<T>): Promise<T> {
        const span: RecordedSpan = { name, attributes: { ...attributes }, failed: false };
        this.spans.push(span);
        try {
            return await run({ set: (more) => Object.assign(span.attributes, more) });
        } catch (error) {
            span.failed = true;
            throw error;
        }
    }

    dependency<T>(call: DependencyCall, run: (span: SpanScope) => Promise<T>): Promise<T> {
        this.dependencies.push(call);
        return run({ set: () => undefined });
    }

    count(metric: CounterName, value: number, attributes: MetricAttributes = {}): void {
        this.counts.push({ metric, value, attributes });
    }

    gauge(metric: GaugeName, value: number): void {
        this.gauges.push({ metric, value });
    }

    log(record: LogRecord): void {
        this.logs.push(record);
    }

    /** The sum of a counter, over the samples whose attributes include `where`. */
    total(metric: CounterName, where: MetricAttributes = {}): number {
        return this.counts
            .filter((sample) => sample.metric === metric)
            .filter((sample) =>
                Object.entries(where).every(
                    ([key, value]) => sample.attributes[key as keyof MetricAttributes] === value,
                ),
            )
            .reduce((sum, sample) => sum + sample.value, 0);
    }
}
