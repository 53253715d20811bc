import { pascalCased, usDateTime } from './bcFormat';
import { bcAdminError } from './errorBodies';
import { emptyResponse, jsonResponse, type SimRequest, type SimResponse } from './http';
import type { SimulatorBehaviour } from './options';
import type { RealityModel } from './reality';
import type { BcEnvironmentRecord, BcSessionRecord, TenantState } from './state';

export interface BcAdminDeps {
    state: TenantState;
    behaviour: SimulatorBehaviour;
    reality: RealityModel;
    /** Public base of the BC prefix, e.g. `https://127.0.0.1:1234/bc`, for `@odata.nextLink`. */
    baseUrl: string;
}

/** Old versions keep working (platform-facts §2), so any `v2.NN` is served the same way. */
const VERSION = /^v2\.\d+$/;

/** Environment fields the doc spells PascalCase while real clients see camelCase (SOURCES.md). */
const DOC_PASCAL_FIELDS = new Set([
    'softDeletedOn',
    'hardDeletePendingOn',
    'deleteReason',
    'appSourceAppsUpdateCadence',
]);

const DAY_MS = 24 * 3600_000;

const noRoute = (req: SimRequest) =>
    bcAdminError(404, 'Unknown', `No Admin Center API route matches ${req.method} ${req.path}.`);
const methodNotAllowed = (req: SimRequest) =>
    bcAdminError(405, 'Unknown', `The method ${req.method} is not allowed on ${req.path}.`);

/** Business Central Admin Center API: environments and sessions (platform-facts §2). */
export function handleBcAdmin(req: SimRequest, deps: BcAdminDeps): SimResponse {
    const [admin, version = '', applications, ...rest] = req.segments;
    if (admin !== 'admin' || applications !== 'applications') return noRoute(req);
    if (!VERSION.test(version)) return bcAdminError(404, 'Unknown', `The API version '${version}' does not exist.`);
    // The app must be on the admin center's authorized apps page and hold AdminCenter.ReadWrite.All (platform-facts
    // §2). The real answer is not documented: the simulator answers 403 in the API's own error shape.
    if (!deps.state.adminCenterAuthorized || !deps.state.bcPermissions.has('AdminCenter.ReadWrite.All'))
        return bcAdminError(
            403,
            'Forbidden',
            'The application is not authorized to call the Business Central administration center API.',
        );
    if (rest.length === 1 && rest[0] === 'environments') {
        return req.method === 'GET' ? environmentList(deps.state.environments, deps) : methodNotAllowed(req);
    }
    const [family = '', environments, name, sessions, sessionId, ...extra] = rest;
    if (environments !== 'environments' || extra.length > 0) return noRoute(req);
    if (!isKnownFamily(family, deps.state)) {
        return bcAdminError(
            404,
            'applicationTypeDoesNotExist',
            `The application family '${family}' does not exist.`,
            family,
        );
    }
    if (name === undefined) {
        if (req.method !== 'GET') return methodNotAllowed(req);
        const members = deps.state.environments.filter(
            (env) => env.applicationFamily.toLowerCase() === family.toLowerCase(),
        );
        return environmentList(members, deps);
    }
    const env = deps.state.findEnvironment(name, family);
    if (!env) {
        return bcAdminError(
            404,
            'environmentNotFound',
            `The environment '${name}' does not exist.`,
            `${family}/${name}`,
        );
    }
    if (sessions === undefined) {
        if (req.method !== 'GET') return methodNotAllowed(req);
        const body = environmentBody(env, deps);
        return jsonResponse(200, deps.behaviour.environmentGetShape === 'wrapped' ? { value: [body] } : body);
    }
    if (sessions !== 'sessions') return noRoute(req);
    // Only Active environments have sessions (platform-facts §2); the simulator refuses the others with an error
    // rather than an empty list, so a client that forgets to check the status finds out.
    if (env.status !== 'Active') {
        return bcAdminError(
            400,
            'environmentNotActive',
            `The environment '${env.name}' is ${env.status}; sessions exist only in active environments.`,
            `${env.applicationFamily}/${env.name}`,
        );
    }
    deps.reality.materialise();
    if (sessionId === undefined)
        return req.method === 'GET' ? sessionList(req, env, version, deps) : methodNotAllowed(req);
    return oneSession(req, env, sessionId, deps);
}

function isKnownFamily(family: string, state: TenantState): boolean {
    const wanted = family.toLowerCase();
    return (
        wanted === 'businesscentral' || state.environments.some((env) => env.applicationFamily.toLowerCase() === wanted)
    );
}

function environmentList(environments: BcEnvironmentRecord[], deps: BcAdminDeps): SimResponse {
    return jsonResponse(200, { value: environments.map((env) => environmentBody(env, deps)) });
}

function oneSession(req: SimRequest, env: BcEnvironmentRecord, sessionIdText: string, deps: BcAdminDeps): SimResponse {
    const target = `${env.applicationFamily}/${env.name}/${sessionIdText}`;
    if (!/^\d+$/.test(sessionIdText)) {
        return bcAdminError(400, 'invalidSessionId', `'${sessionIdText}' is not a session id.`, target);
    }
    const sessionId = Number(sessionIdText);
    const notFound = () =>
        bcAdminError(404, 'sessionNotFound', `The session ${sessionId} does not exist in '${env.name}'.`, target);
    if (req.method === 'GET') {
        const session = env.sessions.find((candidate) => candidate.sessionId === sessionId);
        return session ? jsonResponse(200, sessionBody(session, deps)) : notFound();
    }
    // The DELETE status is undocumented (platform-facts §2): the simulator answers 204.
    if (req.method === 'DELETE') return deps.reality.cancelSession(env, sessionId) ? emptyResponse(204) : notFound();
    return methodNotAllowed(req);
}

/** Pages with `$skiptoken` only when `sessionPageSize` is set; the docs describe no paging. */
function sessionList(req: SimRequest, env: BcEnvironmentRecord, version: string, deps: BcAdminDeps): SimResponse {
    const all = [...env.sessions].sort((a, b) => a.sessionId - b.sessionId);
    const pageSize = deps.behaviour.sessionPageSize;
    if (!pageSize) return jsonResponse(200, { value: all.map((session) => sessionBody(session, deps)) });
    const skipText = req.query.get('$skiptoken') ?? '0';
    if (!/^\d+$/.test(skipText))
        return bcAdminError(400, 'invalidSkipToken', `'${skipText}' is not a valid skip token.`);
    const skip = Number(skipText);
    const body: Record<string, unknown> = {
        value: all.slice(skip, skip + pageSize).map((session) => sessionBody(session, deps)),
    };
    if (skip + pageSize < all.length) {
        const path = `admin/${version}/applications/${encodeURIComponent(env.applicationFamily)}/environments/${encodeURIComponent(env.name)}/sessions`;
        body['@odata.nextLink'] = `${deps.baseUrl}/${path}?$skiptoken=${skip + pageSize}`;
    }
    return jsonResponse(200, body);
}

/** Exactly the documented session fields (`bc-admin-session-get.shape.json`). */
function sessionBody(session: BcSessionRecord, deps: BcAdminDeps): Record<string, unknown> {
    const body = {
        environmentName: session.environmentName,
        applicationFamily: session.applicationFamily,
        sessionId: session.sessionId,
        userId: session.userId,
        clientType: session.clientType,
        logOnDate: usDateTime(session.logOnAt),
        entryPointOperation: session.entryPointOperation,
        entryPointObjectName: session.entryPointObjectName,
        entryPointObjectId: session.entryPointObjectId,
        entryPointObjectType: session.entryPointObjectType,
        currentObjectName: session.currentObjectName,
        currentObjectId: session.currentObjectId,
        currentObjectType: session.currentObjectType,
        currentOperationDuration: session.currentOperationDuration,
    };
    return deps.behaviour.fieldCase === 'pascal' ? pascalCased(body) : body;
}

/** The documented environment fields (`bc-admin-environments-list.shape.json`). */
function environmentBody(env: BcEnvironmentRecord, deps: BcAdminDeps): Record<string, unknown> {
    const tenantId = deps.state.tenantId;
    const softDeleted = env.softDeletedAt;
    const body: Record<string, unknown> = {
        friendlyName: env.friendlyName,
        type: env.type,
        name: env.name,
        countryCode: env.countryCode,
        applicationFamily: env.applicationFamily,
        aadTenantId: tenantId,
        status: env.status,
        webClientLoginUrl: `https://businesscentral.dynamics.com/${tenantId}/${env.name}`,
        webServiceUrl: `https://api.businesscentral.dynamics.com/v2.0/${tenantId}/${env.name}/WS`,
        locationName: 'United States',
        geoName: 'United States',
        ringName: env.type === 'Production' ? 'PROD' : 'PREVIEW',
        appInsightsKey: '',
        softDeletedOn: softDeleted === undefined ? null : new Date(softDeleted).toISOString(),
        hardDeletePendingOn: softDeleted === undefined ? null : new Date(softDeleted + 7 * DAY_MS).toISOString(),
        deleteReason: softDeleted === undefined ? null : 'Manual',
        appSourceAppsUpdateCadence: 'Default',
        versionDetails: {
            version: env.version,
            gracePeriodStartDate: '2026-10-01T00:00:00Z',
            enforcedUpdatePeriodStartDate: '2026-11-01T00:00:00Z',
        },
    };
    switch (deps.behaviour.fieldCase) {
        case 'pascal':
            return pascalCased(body);
        case 'doc':
            return Object.fromEntries(
                Object.entries(body).map(([name, value]) => [
                    DOC_PASCAL_FIELDS.has(name) ? name.charAt(0).toUpperCase() + name.slice(1) : name,
                    value,
                ]),
            );
        case 'camel':
            return body;
    }
}
