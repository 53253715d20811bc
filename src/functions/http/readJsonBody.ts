import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { errorResponse } from './responses';

/** Largest body accepted: 20,000 users (MAX_USERS_PER_REQUEST at most) of about 100 characters each fit in it. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export type BodyResult = { ok: true; value: unknown } | { ok: false; response: HttpResponseInit };

/** Reads a JSON body: 415 when not JSON, 413 when too large, 400 when it does not parse. */
export async function readJsonBody(request: HttpRequest): Promise<BodyResult> {
    const contentType = request.headers.get('content-type') ?? '';
    if (!/^application\/([a-z.+-]*\+)?json\b/i.test(contentType.trim()))
        return {
            ok: false,
            response: errorResponse(415, 'unsupported-media-type', 'Send the body as application/json.', [
                { field: 'content-type', reason: 'is not application/json' },
            ]),
        };
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > MAX_BODY_BYTES) return { ok: false, response: tooLarge() };
    const text = await request.text();
    if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) return { ok: false, response: tooLarge() };
    try {
        return { ok: true, value: JSON.parse(text) as unknown };
    } catch {
        return {
            ok: false,
            response: errorResponse(400, 'invalid-json', 'The body is not valid JSON.', [
                { field: '(body)', reason: 'is not valid JSON' },
            ]),
        };
    }
}

function tooLarge(): HttpResponseInit {
    return errorResponse(413, 'payload-too-large', `The body is larger than ${MAX_BODY_BYTES} bytes.`, [
        { field: '(body)', reason: `is larger than ${MAX_BODY_BYTES} bytes` },
    ]);
}
