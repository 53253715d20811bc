import type { InvocationContext } from '@azure/functions';
import { telemetry } from '../../composition/lazyServices';
import { InvocationLog } from './invocationLog';

export type ReportingHandler<I, O> = (input: I, context: InvocationContext, log: InvocationLog) => Promise<O>;

/**
 * Runs the handler in the trace the host started for the invocation (its W3C trace context): the spans, calls and
 * records of the invocation join the host's request in Application Insights, as one trace. This is what the Azure
 * Functions OpenTelemetry instrumentation does, here without its `app.setup` call, which fails once the app has
 * started: telemetry starts on the first invocation, so a cold start does not load it.
 */
export function withTelemetry<I, O>(
    handler: ReportingHandler<I, O>,
): (input: I, context: InvocationContext) => Promise<O> {
    return async (input, context) => {
        const reporting = await telemetry();
        return reporting.continueTrace(context.traceContext, () =>
            handler(input, context, new InvocationLog(context, reporting)),
        );
    };
}
