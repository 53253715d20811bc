import { NO_TELEMETRY, type Telemetry } from '../../core/ports/telemetry';

/** The W3C trace context the Functions host gives each invocation (`InvocationContext.traceContext`). */
export interface TraceContext {
    traceParent?: string | undefined;
    traceState?: string | undefined;
}

/** The telemetry of the process: what the services record, and what only the entry points need. */
export interface ProcessTelemetry extends Telemetry {
    /** True when records leave the process: handlers then log through it, and not through the host as well. */
    readonly exporting: boolean;
    /** Runs `run` as part of the trace the host started for the invocation, so what it records joins that trace. */
    continueTrace<T>(traceContext: TraceContext | undefined, run: () => Promise<T>): Promise<T>;
}

/** No telemetry configured: nothing is recorded, handlers log through the host. */
export const NO_PROCESS_TELEMETRY: ProcessTelemetry = {
    ...NO_TELEMETRY,
    exporting: false,
    continueTrace: (_traceContext, run) => run(),
};
