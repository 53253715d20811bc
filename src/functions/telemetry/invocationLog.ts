import type { InvocationContext } from '@azure/functions';
import type { ProcessTelemetry } from '../../clients/telemetry/processTelemetry';
import type { LogAttributes, LogLevel } from '../../core/ports/telemetry';

/**
 * What a handler reports. With telemetry, a structured record (`event`, request id, tenant, status) in the
 * invocation's trace; without, the line through the host's log, as a local run shows it. Never both: the host
 * sends its log lines to Application Insights too.
 */
export class InvocationLog {
    constructor(
        private readonly context: InvocationContext,
        private readonly telemetry: ProcessTelemetry,
    ) {}

    info(event: string, message: string, attributes: LogAttributes = {}): void {
        this.write('information', event, message, attributes);
    }

    warn(event: string, message: string, attributes: LogAttributes = {}): void {
        this.write('warning', event, message, attributes);
    }

    error(event: string, message: string, attributes: LogAttributes = {}): void {
        this.write('error', event, message, attributes);
    }

    private write(level: LogLevel, event: string, message: string, attributes: LogAttributes): void {
        if (this.telemetry.exporting)
            this.telemetry.log({ ...attributes, invocationId: this.context.invocationId, level, event, message });
        else if (level === 'information') this.context.log(message);
        else if (level === 'warning') this.context.warn(message);
        else this.context.error(message);
    }
}
