import type { SimulatorClock } from './clock';
import { graphError, graphThrottled } from './errorBodies';
import {
    emptyResponse,
    isJsonContentType,
    isPlainObject,
    jsonResponse,
    parseJsonBody,
    type SimRequest,
    type SimResponse,
} from './http';
import type { SimulatorBehaviour } from './options';
import { newRequestId } from './random';
import { handleGroups, listDirectoryAudits, listRoleAssignments, listUsers } from './graphDirectoryRoutes';
import type { EntraUserRecord, TenantState } from './state';
import type { ResourceUnitQuota, WriteQuota } from './writeQuota';

export interface GraphDeps {
    state: TenantState;
    clock: SimulatorClock;
    behaviour: SimulatorBehaviour;
    quota: WriteQuota;
    unitQuota: ResourceUnitQuota;
    /** Public base of the Graph prefix, e.g. `https://127.0.0.1:1234/graph`, for `@odata.context`. */
    baseUrl: string;
}

/** The properties `GET /users/{id}` returns without `$select` (doc `graph-user-get-default.json`). */
const DEFAULT_PROPERTIES = [
    'businessPhones',
    'displayName',
    'givenName',
    'jobTitle',
    'mail',
    'mobilePhone',
    'officeLocation',
    'preferredLanguage',
    'surname',
    'userPrincipalName',
    'id',
];

const isoSeconds = (time: number) => new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Properties that may be selected; those the model does not hold answer what Graph gives an unset property. */
const USER_PROPERTIES: Record<string, (user: EntraUserRecord) => unknown> = {
    id: (user) => user.id,
    userPrincipalName: (user) => user.userPrincipalName,
    mail: (user) => user.mail,
    displayName: (user) => user.displayName,
    givenName: (user) => user.givenName,
    surname: (user) => user.surname,
    jobTitle: (user) => user.jobTitle,
    userType: (user) => user.userType,
    accountEnabled: (user) => user.accountEnabled,
    signInSessionsValidFromDateTime: (user) => user.signInSessionsValidFromDateTime,
    businessPhones: () => [],
    mobilePhone: () => null,
    officeLocation: () => null,
    preferredLanguage: () => 'en-US',
    department: () => null,
    companyName: () => null,
    employeeId: () => null,
    usageLocation: () => 'US',
    otherMails: () => [],
    proxyAddresses: () => [],
    onPremisesSyncEnabled: () => null,
    createdDateTime: () => '2024-03-01T08:00:00Z',
    creationType: (user) => (user.userType === 'Guest' ? 'Invitation' : null),
    externalUserState: (user) => (user.userType === 'Guest' ? 'Accepted' : null),
};
const PROPERTY_NAMES = new Map(Object.keys(USER_PROPERTIES).map((name) => [name.toLowerCase(), name]));

const ok = (status: number, body?: unknown): SimResponse => {
    const headers = { 'request-id': newRequestId(), 'OData-Version': '4.0' };
    return body === undefined ? emptyResponse(status, headers) : jsonResponse(status, body, headers);
};

/** Graph answers an unknown path segment with 400, not 404; a `/v1.0`-prefixed batch item url lands here too. */
const segmentNotFound = (segment: string) =>
    graphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);

const methodNotAllowed = () =>
    graphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');

const userNotFound = (reference: string) =>
    graphError(
        404,
        'Request_ResourceNotFound',
        `Resource '${reference}' does not exist or one of its queried reference-property objects are not present.`,
    );

/** Graph v1.0 as far as the app uses it: read a user, revoke sessions, block sign-in, check group membership. */
export function handleGraph(req: SimRequest, deps: GraphDeps): SimResponse {
    const [version = '', collection, reference, action, ...extra] = req.segments;
    if (version !== 'v1.0') return graphError(400, 'BadRequest', `Invalid version: ${version}`);
    if (collection === undefined || collection === '') return graphError(400, 'BadRequest', 'Invalid request.');
    const path = req.segments.slice(1).join('/');
    // Every request spends resource units: a list 2, anything else 1 (platform-facts §1).
    const isList =
        (collection === 'users' && !reference) ||
        (collection === 'groups' && action !== undefined) ||
        path === 'roleManagement/directory/roleAssignments' ||
        path === 'auditLogs/directoryAudits';
    const units = deps.unitQuota.take(isList ? 2 : 1);
    if (!units.ok) return graphThrottled(units.retryAfterSeconds);
    if (collection === 'groups' && reference) return handleGroups(req, reference, req.segments.slice(3), deps);
    if (path === 'roleManagement/directory/roleAssignments') return listRoleAssignments(req, deps);
    if (path === 'auditLogs/directoryAudits') return listDirectoryAudits(req, deps);
    if (collection !== 'users') return segmentNotFound(collection);
    if (reference === undefined || reference === '') {
        return req.method === 'GET' ? listUsers(req, deps) : methodNotAllowed();
    }
    if (extra.length > 0) return segmentNotFound(extra[0] as string);

    const route = routeOf(req.method, action);
    if (route === 'not-found') return segmentNotFound(action as string);
    if (route === 'method-not-allowed') return methodNotAllowed();

    if (route !== 'get') {
        // Every POST or PATCH on a user counts as an identity write (platform-facts §1).
        const quota = deps.quota.take();
        if (!quota.ok) return graphThrottled(quota.retryAfterSeconds);
    }
    switch (route) {
        case 'get':
            return getUser(req, reference, deps);
        case 'patch':
            return patchUser(req, reference, deps);
        case 'revoke':
            return revokeSignInSessions(reference, deps);
        case 'check-member-groups':
            return checkMemberGroups(req, reference, deps);
    }
}

type Route = 'get' | 'patch' | 'revoke' | 'check-member-groups' | 'not-found' | 'method-not-allowed';

function routeOf(method: string, action: string | undefined): Route {
    const bare = action?.replace(/^microsoft\.graph\./, '');
    if (bare === undefined) return method === 'GET' ? 'get' : method === 'PATCH' ? 'patch' : 'method-not-allowed';
    if (bare === 'revokeSignInSessions') return method === 'POST' ? 'revoke' : 'method-not-allowed';
    if (bare === 'checkMemberGroups') return method === 'POST' ? 'check-member-groups' : 'method-not-allowed';
    return 'not-found';
}

function getUser(req: SimRequest, reference: string, deps: GraphDeps): SimResponse {
    const selectParameter = req.query.get('$select');
    const requested = selectParameter === null ? [] : selectParameter.split(',').map((name) => name.trim());
    const selected: string[] = [];
    for (const name of requested.filter(Boolean)) {
        const canonical = PROPERTY_NAMES.get(name.toLowerCase());
        if (!canonical) {
            return graphError(
                400,
                'BadRequest',
                `Could not find a property named '${name}' on type 'microsoft.graph.user'.`,
            );
        }
        selected.push(canonical);
    }
    const user = deps.state.findUser(reference);
    if (!user) return userNotFound(reference);
    const properties = selected.length > 0 ? selected : DEFAULT_PROPERTIES;
    const context =
        selected.length > 0
            ? `${deps.baseUrl}/v1.0/$metadata#users(${requested.filter(Boolean).join(',')})/$entity`
            : `${deps.baseUrl}/v1.0/$metadata#users/$entity`;
    const body: Record<string, unknown> = { '@odata.context': context };
    for (const name of properties) body[name] = (USER_PROPERTIES[name] as (user: EntraUserRecord) => unknown)(user);
    return ok(200, body);
}

/** A body on Graph needs `Content-Type: application/json`; anything else is 415 Unsupported Media Type. */
function readJsonObject(
    req: SimRequest,
): { ok: true; value: Record<string, unknown> } | { ok: false; response: SimResponse } {
    if (!isJsonContentType(req.headers['content-type'])) {
        return {
            ok: false,
            response: graphError(415, 'UnsupportedMediaType', 'The request needs Content-Type: application/json.'),
        };
    }
    const parsed = parseJsonBody(req.body);
    if (!parsed.ok) return { ok: false, response: graphError(400, 'BadRequest', parsed.problem) };
    if (!isPlainObject(parsed.value)) {
        return { ok: false, response: graphError(400, 'BadRequest', 'The request body must be a JSON object.') };
    }
    return { ok: true, value: parsed.value };
}

/** Only `accountEnabled` is modelled; it is sensitive, so admin-role users answer 403 (platform-facts §1). */
function patchUser(req: SimRequest, reference: string, deps: GraphDeps): SimResponse {
    const body = readJsonObject(req);
    if (!body.ok) return body.response;
    const user = deps.state.findUser(reference);
    if (!user) return userNotFound(reference);
    const other = Object.keys(body.value).find((key) => key !== 'accountEnabled');
    if (other !== undefined) {
        return graphError(
            400,
            'Request_BadRequest',
            `Property '${other}' cannot be changed through the simulator; only 'accountEnabled' is modelled.`,
        );
    }
    const enabled = body.value.accountEnabled;
    if (typeof enabled !== 'boolean') {
        return graphError(
            400,
            'Request_BadRequest',
            "Invalid value specified for property 'accountEnabled' of resource 'User'.",
        );
    }
    // A directory role holder's accountEnabled needs a higher role for the app itself (platform-facts §10).
    if (user.isAdminRole || deps.state.holdsDirectoryRole(user)) {
        return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    }
    if (!enabled && user.accountEnabled) user.blockedAt = deps.clock.now();
    if (enabled) user.blockedAt = undefined;
    if (user.accountEnabled !== enabled)
        deps.state.recordAccountEnabledChange(user, user.accountEnabled, enabled, { app: deps.state.appIdentity() });
    user.accountEnabled = enabled;
    return ok(204);
}

/** Sets the valid-from time; for a guest nothing else changes (the reality model ignores a guest's revocation). */
function revokeSignInSessions(reference: string, deps: GraphDeps): SimResponse {
    const user = deps.state.findUser(reference);
    if (!user) return userNotFound(reference);
    const now = deps.clock.now();
    user.revokedAt = now;
    user.signInSessionsValidFromDateTime = isoSeconds(now);
    if (deps.behaviour.revokeResponse === 204) return ok(204);
    return ok(200, { '@odata.context': `${deps.baseUrl}/v1.0/$metadata#Edm.Boolean`, value: true });
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkMemberGroups(req: SimRequest, reference: string, deps: GraphDeps): SimResponse {
    const body = readJsonObject(req);
    if (!body.ok) return body.response;
    const groupIds = body.value.groupIds;
    if (!Array.isArray(groupIds) || groupIds.some((id) => typeof id !== 'string')) {
        return graphError(400, 'Request_BadRequest', "The parameter 'groupIds' must be an array of strings.");
    }
    if (groupIds.length > 20) {
        return graphError(400, 'Request_BadRequest', `At most 20 groupIds are allowed, got ${groupIds.length}.`);
    }
    const invalid = (groupIds as string[]).find((id) => !GUID.test(id));
    if (invalid !== undefined) return graphError(400, 'Request_BadRequest', `Invalid GUID: '${invalid}'.`);
    const user = deps.state.findUser(reference);
    if (!user) return userNotFound(reference);
    const members = (groupIds as string[]).map((id) => id.toLowerCase()).filter((id) => user.groupIds.includes(id));
    return ok(200, { '@odata.context': `${deps.baseUrl}/v1.0/$metadata#Collection(Edm.String)`, value: members });
}
