import { ValidationError } from '../../core/errors';

/**
 * Continuation tokens handed to callers: the SDK's token (base64 of the table's next partition and row keys)
 * re-encoded as base64url, so it survives a URL query string without escaping. Opaque to callers; a token is
 * only valid for the query that issued it.
 */
export function encodePageToken(sdkToken: string): string {
    return Buffer.from(sdkToken, 'base64').toString('base64url');
}

export function decodePageToken(token: string): string {
    if (!isPageToken(token)) throw invalidPageToken();
    return Buffer.from(token, 'base64url').toString('base64');
}

/** Whether a caller's token has the shape of one this service issued (checked before any query runs). */
export function isPageToken(token: string): boolean {
    return /^[A-Za-z0-9_-]{1,4096}$/.test(token) && isSdkToken(Buffer.from(token, 'base64url').toString('utf8'));
}

export function invalidPageToken(): ValidationError {
    return new ValidationError([{ field: 'continuationToken', reason: 'is not a token this service issued' }]);
}

/**
 * The service's continuation values are opaque but plain (Azure: `1!<length>!<base64>`; Azurite: base64): anything
 * else, or any other member, was not issued by it and never reaches a request header.
 */
const CONTINUATION_VALUE = /^[A-Za-z0-9+/=!_-]{1,1024}$/;

function isSdkToken(json: string): boolean {
    let parsed: unknown;
    try {
        parsed = JSON.parse(json);
    } catch {
        return false;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
    const { nextPartitionKey, nextRowKey, ...others } = parsed as Record<string, unknown>;
    return (
        Object.keys(others).length === 0 &&
        typeof nextPartitionKey === 'string' &&
        CONTINUATION_VALUE.test(nextPartitionKey) &&
        (nextRowKey === undefined || (typeof nextRowKey === 'string' && CONTINUATION_VALUE.test(nextRowKey)))
    );
}
