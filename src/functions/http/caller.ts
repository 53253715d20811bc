import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Caller } from '../../core/ports/auditStore';
import { errorResponse } from './responses';

interface ClientPrincipal {
    auth_typ?: string;
    claims?: { typ?: string; val?: string }[];
}

const OBJECT_ID_CLAIMS = ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid'];
const APP_ID_CLAIMS = ['appid', 'azp'];
const NAME_CLAIMS = ['name', 'preferred_username', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn'];

export type CallerResult = { ok: true; caller: Caller } | { ok: false; response: HttpResponseInit };

/**
 * The caller: with App Service authentication on, from `x-ms-client-principal` (base64 JSON set by the platform,
 * which strips any such header a client sends); otherwise the holder of a function key. An allow-list of principal
 * ids, when set, answers 403 to anyone else, and refuses key-only callers.
 */
export function callerOf(request: HttpRequest, allowedCallerIds: readonly string[]): CallerResult {
    const header = request.headers.get('x-ms-client-principal');
    if (!header) {
        if (allowedCallerIds.length > 0)
            return { ok: false, response: forbidden('An authenticated caller is required.') };
        return { ok: true, caller: { kind: 'function-key', id: 'function-key' } };
    }
    let principal: ClientPrincipal;
    try {
        principal = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as ClientPrincipal;
    } catch {
        return {
            ok: false,
            response: errorResponse(401, 'invalid-principal', 'The client principal header could not be read.'),
        };
    }
    const claim = (types: string[]) => principal.claims?.find((c) => c.typ && types.includes(c.typ) && c.val)?.val;
    const id = claim(OBJECT_ID_CLAIMS) ?? claim(APP_ID_CLAIMS);
    if (!id)
        return {
            ok: false,
            response: errorResponse(401, 'invalid-principal', 'The client principal names no object or app id.'),
        };
    if (allowedCallerIds.length > 0 && !allowedCallerIds.some((allowed) => allowed.toLowerCase() === id.toLowerCase()))
        return { ok: false, response: forbidden('This caller is not allowed to use the API.') };
    const name = claim(NAME_CLAIMS);
    return { ok: true, caller: { kind: 'app-service-auth', id, ...(name && { name }) } };
}

function forbidden(message: string): HttpResponseInit {
    return errorResponse(403, 'forbidden', message);
}
