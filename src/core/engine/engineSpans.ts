import type { SpanAttributes, Telemetry } from '../ports/telemetry';

/**
 * A span that lasts until `end` is called. An environment's work is not one call: it spans its listing, the
 * cancellations of every group of users as each arrives, and its verification, all started from other phases.
 */
export interface OpenSpan {
    end(final?: SpanAttributes): void;
}

export function openSpan(telemetry: Telemetry, name: string, attributes: SpanAttributes): OpenSpan {
    let close: (final: SpanAttributes) => void = () => undefined;
    const ended = new Promise<SpanAttributes>((resolve) => {
        close = resolve;
    });
    void telemetry.span(name, attributes, async (span) => span.set(await ended));
    return { end: (final = {}) => close(final) };
}
