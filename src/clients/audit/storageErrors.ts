import { ServiceError, TransientServiceError, ValidationError } from '../../core/errors';

/**
 * Storage failures mapped once, at the edge, to the project's typed errors (service `storage`): callers retry on
 * `TransientServiceError` (the queue trigger rethrows it so the host redelivers) and give up on `ServiceError`.
 */

interface RestErrorLike {
    name?: string;
    message: string;
    statusCode?: number;
    code?: string;
    response?: { headers: { get(name: string): string | undefined } };
}

const TRANSIENT_NETWORK_CODES = new Set([
    'ECONNREFUSED',
    'ECONNRESET',
    'ECONNABORTED',
    'ETIMEDOUT',
    'ESOCKETTIMEDOUT',
    'EPIPE',
    'EAI_AGAIN',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'REQUEST_SEND_ERROR',
]);

function asRestError(error: unknown): RestErrorLike | undefined {
    if (typeof error !== 'object' || error === null || !('message' in error)) return undefined;
    return error as RestErrorLike;
}

/** The HTTP status of a storage failure, to branch on 404 / 409 / 412 before mapping. */
export function statusOf(error: unknown): number | undefined {
    const status = asRestError(error)?.statusCode;
    return typeof status === 'number' ? status : undefined;
}

export function toStorageError(error: unknown, operation: string): Error {
    if (error instanceof ServiceError || error instanceof ValidationError) return error;
    const rest = asRestError(error);
    if (!rest) return new ServiceError('storage', undefined, 'UnexpectedError', `${operation}: ${String(error)}`);
    const status = statusOf(error);
    const code = rest.code ?? (status !== undefined ? `Http${status}` : (rest.name ?? 'UnexpectedError'));
    const message = `${operation}: ${firstLine(rest.message)}`;
    const transient =
        status === undefined
            ? TRANSIENT_NETWORK_CODES.has(code) || rest.name === 'AbortError' || rest.name === 'TimeoutError'
            : status === 408 || status === 429 || status >= 500;
    if (transient) return new TransientServiceError('storage', status, code, message, retryAfterInMs(rest));
    return new ServiceError('storage', status, code, message);
}

/** Runs one storage call and maps whatever it throws. */
export async function storageCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (error) {
        throw toStorageError(error, operation);
    }
}

/** An entity this store wrote that no longer decodes: edited by hand or damaged. */
export function corruptEntity(detail: string): ServiceError {
    return new ServiceError('storage', undefined, 'CorruptEntity', `Stored audit entity is unreadable: ${detail}`);
}

function retryAfterInMs(error: RestErrorLike): number | undefined {
    const header = error.response?.headers.get('retry-after');
    if (header === undefined) return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(header);
    return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** Service messages carry a RequestId and Time on further lines: useful in logs, noise in an error code path. */
function firstLine(message: string): string {
    return message.split('\n', 1)[0] ?? message;
}
