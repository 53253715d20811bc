import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { appConfig, type CallerSettings } from '../../config';
import { ALL_ROLES, type Role } from '../../core/callers/roles';
import type { Caller } from '../../core/ports/auditStore';
import { readClientPrincipal } from './clientPrincipal';
import { errorResponse } from './responses';

/** What a route needs: one of the API's app roles, or `public` (health: reachable without a token). */
export type Requirement = Role | 'public';

export type Authorization = { ok: true; caller: Caller } | { ok: false; response: HttpResponseInit };

export interface AuthorizationSettings extends Pick<
    CallerSettings,
    'authenticationEnabled' | 'authenticationRequired'
> {
    allowedCallerIds: readonly string[];
}

const PRINCIPAL_HEADER = 'x-ms-client-principal';

/** The one check every HTTP route makes first: who calls, and whether they hold the role the route needs. */
export function authorize(request: HttpRequest, required: Requirement): Authorization {
    const config = appConfig();
    return authorizeWith(request, required, { ...config.callers, allowedCallerIds: config.allowedCallerIds });
}

/**
 * The caller comes from `x-ms-client-principal`, trusted only when App Service authentication is on: it validates
 * the caller's token and strips client-sent copies of the header; with it off, anyone can send one (platform-facts
 * §9), so such a request is refused rather than believed. Without the header, a function key alone is enough only
 * when AUTH_REQUIRED is false (development): that caller holds every role and is recorded as unauthenticated.
 */
export function authorizeWith(
    request: HttpRequest,
    required: Requirement,
    settings: AuthorizationSettings,
): Authorization {
    const header = request.headers.get(PRINCIPAL_HEADER);
    if (header !== null && !settings.authenticationEnabled)
        return refuse(
            401,
            'unverified-principal',
            'Caller identity header without App Service authentication: x-ms-client-principal is trusted only when App Service authentication is on (WEBSITE_AUTH_ENABLED=True).',
        );
    // A public route is on App Service authentication's excluded paths, where nothing validates or strips the
    // header: it is not read there at all.
    if (required === 'public') return { ok: true, caller: { kind: 'function-key', id: 'anonymous', verified: false } };
    const caller = header !== null ? principalCaller(header) : keyOnlyCaller(settings);
    if (!caller.ok) return caller;
    const { objectId, appId, roles = [] } = caller.caller;
    const allowed = settings.allowedCallerIds;
    if (allowed.length > 0 && ![objectId, appId].some((id) => id !== undefined && allowed.includes(id)))
        return refuse(403, 'forbidden', 'This caller is not on the allow-list (ALLOWED_CALLER_IDS).');
    if (!roles.includes(required)) return roleRequired(caller.caller, required);
    return caller;
}

/** 403 naming the app role a caller lacks, and where it is granted. */
function roleRequired(caller: Caller, role: string): { ok: false; response: HttpResponseInit } {
    return {
        ok: false,
        response: errorResponse(
            403,
            'role-required',
            `This call needs the app role ${role}; assign it to ${caller.id} on the API's app registration (docs/permissions.md).`,
            [{ field: 'roles', reason: `does not hold ${role}` }],
        ),
    };
}

function principalCaller(header: string): Authorization {
    const reading = readClientPrincipal(header);
    if (!reading.ok) return refuse(401, 'invalid-principal', `The client principal ${reading.problem}.`);
    const { objectId, appId, name, roles } = reading.principal;
    return {
        ok: true,
        caller: {
            kind: 'app-service-auth',
            id: objectId ?? appId ?? '',
            ...(objectId !== undefined && { objectId }),
            ...(appId !== undefined && { appId }),
            ...(name !== undefined && { name }),
            roles,
            verified: true,
        },
    };
}

function keyOnlyCaller(settings: AuthorizationSettings): Authorization {
    if (settings.authenticationRequired)
        return refuse(
            401,
            'authentication-required',
            'Call with an Entra ID token for the API (App Service authentication); a function key alone is refused because AUTH_REQUIRED is true.',
            { 'WWW-Authenticate': 'Bearer' },
        );
    return {
        ok: true,
        caller: { kind: 'function-key', id: 'unauthenticated', roles: [...ALL_ROLES], verified: false },
    };
}

function refuse(
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
): { ok: false; response: HttpResponseInit } {
    return { ok: false, response: errorResponse(status, code, message, [], headers) };
}
