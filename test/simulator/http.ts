/** One request as a route handler sees it: direct calls and `$batch` items alike. */
export interface SimRequest {
    /** Upper case. */
    method: string;
    /** Decoded path after the service prefix, e.g. `/v1.0/users/alice@contoso.com`. */
    path: string;
    /** Decoded path segments (a `%2F` inside a segment stays inside it). */
    segments: string[];
    /** Query string without `?`, as sent. */
    rawQuery: string;
    query: URLSearchParams;
    /** Lower-case header names. */
    headers: Record<string, string>;
    body: string;
}

export interface SimResponse {
    status: number;
    headers: Record<string, string>;
    /** JSON-serialisable; absent = no body. */
    body?: unknown;
    /** For the call log: the resource a token was issued for. */
    resource?: string;
    /** A `truncate` fault: the headers promise the whole body, half of it is sent, then the connection closes. */
    truncated?: boolean;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
    return { status, headers, body };
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): SimResponse {
    return { status, headers };
}

export const isJsonContentType = (value: string | undefined): boolean =>
    value !== undefined && /^application\/json\b/i.test(value.trim());

export type JsonBody = { ok: true; value: unknown } | { ok: false; problem: string };

export function parseJsonBody(body: string): JsonBody {
    if (body.trim() === '') return { ok: false, problem: 'The request body is empty.' };
    try {
        return { ok: true, value: JSON.parse(body) as unknown };
    } catch (error) {
        return { ok: false, problem: `The request body is not valid JSON: ${(error as Error).message}` };
    }
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);

/** Splits a raw path and decodes each segment; undefined when a segment is not valid percent-encoding. */
export function decodeSegments(rawPath: string): string[] | undefined {
    try {
        return rawPath
            .split('/')
            .slice(1)
            .map((segment) => decodeURIComponent(segment));
    } catch {
        return undefined;
    }
}
