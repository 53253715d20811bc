import { TransientServiceError, type ServiceError } from '../errors';
import type { HoldSpec } from '../request/signOutRequest';
import type { OutcomeStatus, SystemOutcome } from '../result';

/** Builds a system outcome stamped with the time. */
export function outcome(
    system: string,
    status: OutcomeStatus,
    at: Date,
    extra: Partial<SystemOutcome> = {},
): SystemOutcome {
    return { system, status, at: at.toISOString(), ...extra };
}

/** A failed outcome carrying the service's code and status, and whether another attempt may succeed. */
export function failedOutcome(system: string, error: ServiceError, at: Date, detail?: string): SystemOutcome {
    return outcome(system, 'failed', at, {
        code: error.code,
        ...(error.statusCode !== undefined && { statusCode: error.statusCode }),
        detail: detail ?? error.message,
        ...(error instanceof TransientServiceError && { retryable: true }),
    });
}

/** How a hold is shown in a result: its end time, `permanent`, or nothing. */
export function holdLabel(hold: HoldSpec): string | undefined {
    if (hold.kind === 'until') return hold.until;
    return hold.kind === 'permanent' ? 'permanent' : undefined;
}
