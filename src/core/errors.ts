/**
 * Typed errors, created where the fact is known and mapped once at the edge. Callers branch on `code` and
 * `statusCode`, never on message text.
 */

export interface FieldProblem {
    /** Path of the offending field, e.g. `users[2]` or `actions.blockSignIn.forMinutes`. */
    field: string;
    reason: string;
}

export class ValidationError extends Error {
    override readonly name = 'ValidationError';
    readonly code = 'invalid-request';
    constructor(readonly problems: FieldProblem[]) {
        super(`Invalid request: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`);
    }
}

export class ConfigurationError extends Error {
    override readonly name = 'ConfigurationError';
    constructor(
        readonly setting: string,
        reason: string,
    ) {
        super(`Setting ${setting} is invalid: ${reason}`);
    }
}

/** A call to a remote service that answered with an error (or not at all). */
export class ServiceError extends Error {
    override readonly name: string = 'ServiceError';
    constructor(
        readonly service: ServiceName,
        readonly statusCode: number | undefined,
        readonly code: string,
        message: string,
    ) {
        super(message);
    }
}

/** A failure worth retrying later: throttling, 5xx, dropped connections, time-outs. */
export class TransientServiceError extends ServiceError {
    override readonly name = 'TransientServiceError';
    constructor(
        service: ServiceName,
        statusCode: number | undefined,
        code: string,
        message: string,
        readonly retryAfterInMs: number | undefined,
    ) {
        super(service, statusCode, code, message);
    }
}

/** The token authority refused the app's credentials; classified by AADSTS code (platform-facts §6). */
export class AuthenticationFailedError extends Error {
    override readonly name = 'AuthenticationFailedError';
    constructor(
        readonly code: string,
        message: string,
    ) {
        super(message);
    }
}

export type ServiceName = 'graph' | 'bc-admin' | 'bc-automation' | 'storage' | 'callback' | 'identity';

/** Normalises anything thrown into an Error, without keeping more than its message. */
export function ensureError(error: unknown): Error {
    if (error instanceof Error) return error;
    return new Error(typeof error === 'string' ? error : JSON.stringify(error));
}

/**
 * A failure as a sweep's report names it: its kind and, when it has one, its code; never its message, which may quote
 * what a service answered.
 */
export function failureName(error: unknown): string {
    if (typeof error === 'string') return error;
    const failure = ensureError(error) as Error & { code?: unknown };
    return typeof failure.code === 'string' ? `${failure.name} ${failure.code}` : failure.name;
}
