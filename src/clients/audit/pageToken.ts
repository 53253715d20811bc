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
    const bytes = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url') : undefined;
    if (!bytes || !isSdkToken(bytes.toString('utf8'))) {
        throw new ValidationError([{ field: 'continuationToken', reason: 'is not a token this service issued' }]);
    }
    return bytes.toString('base64');
}

function isSdkToken(json: string): boolean {
    try {
        const parsed = JSON.parse(json) as unknown;
        return (
            typeof parsed === 'object' &&
            parsed !== null &&
            typeof (parsed as Record<string, unknown>).nextPartitionKey === 'string'
        );
    } catch {
        return false;
    }
}
