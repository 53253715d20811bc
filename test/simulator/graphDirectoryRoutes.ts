import { graphError } from './errorBodies';
import { jsonResponse, type SimRequest, type SimResponse } from './http';
import { newRequestId } from './random';
import type { DirectoryAuditRecord, EntraUserRecord, GroupRecord, TenantState } from './state';
import type { SimulatorClock } from './clock';
import type { SimulatorBehaviour } from './options';

export interface DirectoryReadDeps {
    state: TenantState;
    clock: SimulatorClock;
    behaviour: SimulatorBehaviour;
    /** Public base of the Graph prefix, for `@odata.context` and `@odata.nextLink`. */
    baseUrl: string;
}

/** Graph's default page size for these collections; `$top` may ask for up to 999. */
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 999;

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** An OData string literal: quotes inside are doubled. */
const LITERAL = "'((?:[^']|'')*)'";

const ok = (body: unknown): SimResponse =>
    jsonResponse(200, body, { 'request-id': newRequestId(), 'OData-Version': '4.0' });

const unsupportedQuery = (detail: string) => graphError(400, 'Request_UnsupportedQuery', detail);

const denied = () =>
    graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');

/** Routes that need an application permission answer 403 without it (platform-facts §10, §11). */
function lacks(deps: DirectoryReadDeps, permission: string): boolean {
    return !deps.state.graphPermissions.has(permission);
}

/** `$top` and `$skiptoken` (an offset here): one page of `items`, with a next link when more remain. */
function page<T>(req: SimRequest, items: readonly T[], deps: DirectoryReadDeps, context: string): SimResponse {
    const top = req.query.get('$top');
    const size = top === null ? DEFAULT_PAGE_SIZE : Number(top);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
        return graphError(400, 'Request_BadRequest', `Invalid page size specified: '${top ?? ''}'.`);
    const offset = Number(req.query.get('$skiptoken') ?? 0);
    const slice = items.slice(offset, offset + size);
    const body: Record<string, unknown> = {
        '@odata.context': `${deps.baseUrl}/v1.0/$metadata#${context}`,
        value: slice,
    };
    if (offset + size < items.length) {
        const next = new URLSearchParams(req.query);
        next.set('$skiptoken', String(offset + size));
        body['@odata.nextLink'] = `${deps.baseUrl}${req.path}?${next.toString()}`;
    }
    return ok(body);
}

const userFields = (user: EntraUserRecord) => ({
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    mail: user.mail,
    displayName: user.displayName,
    userType: user.userType,
    accountEnabled: user.accountEnabled,
});

/** Only `$select` of the modelled fields; the rest of a user is not needed by any route here. */
function selected(req: SimRequest, item: Record<string, unknown>): Record<string, unknown> {
    const select = req.query.get('$select');
    if (!select) return item;
    const names = select.split(',').map((name) => name.trim());
    return Object.fromEntries(names.filter((name) => name in item).map((name) => [name, item[name]]));
}

/**
 * `GET /users?$filter=startswith(userPrincipalName,'x') or startswith(mail,'x')` (platform-facts §11): terms joined
 * by `or`, each `startswith(property,'literal')`, compared without case like Graph. Other filters answer 400.
 */
export function listUsers(req: SimRequest, deps: DirectoryReadDeps): SimResponse {
    const filter = req.query.get('$filter');
    if (filter === null) return unsupportedQuery('Listing users without a $filter is not simulated.');
    const term = new RegExp(`^startswith\\((userPrincipalName|mail|displayName),${LITERAL}\\)$`, 'i');
    const prefixes: { property: 'userPrincipalName' | 'mail' | 'displayName'; prefix: string }[] = [];
    for (const part of filter.split(/\s+or\s+/i)) {
        const match = term.exec(part.trim());
        if (!match) return unsupportedQuery(`Unsupported or invalid query filter clause specified: '${part.trim()}'.`);
        const property = (['userPrincipalName', 'mail', 'displayName'] as const).find(
            (name) => name.toLowerCase() === (match[1] as string).toLowerCase(),
        )!;
        prefixes.push({ property, prefix: (match[2] as string).replace(/''/g, "'").toLowerCase() });
    }
    const users = [...deps.state.users.values()].filter((user) =>
        prefixes.some(({ property, prefix }) => (user[property] ?? '').toLowerCase().startsWith(prefix)),
    );
    return page(
        req,
        users.map((user) => selected(req, userFields(user))),
        deps,
        'users',
    );
}

const groupFields = (group: GroupRecord) => ({
    id: group.id,
    displayName: group.displayName,
    isAssignableToRole: group.isAssignableToRole ?? false,
    securityEnabled: true,
    mailEnabled: false,
});

/** `GET /groups/{id}` and `GET /groups/{id}/transitiveMembers/microsoft.graph.user` (platform-facts §11). */
export function handleGroups(req: SimRequest, groupId: string, rest: string[], deps: DirectoryReadDeps): SimResponse {
    if (req.method !== 'GET')
        return graphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
    if (lacks(deps, 'GroupMember.Read.All')) return denied();
    const group = deps.state.groups.get(groupId.toLowerCase());
    if (!group)
        return graphError(
            404,
            'Request_ResourceNotFound',
            `Resource '${groupId}' does not exist or one of its queried reference-property objects are not present.`,
        );
    if (rest.length === 0)
        return ok({
            '@odata.context': `${deps.baseUrl}/v1.0/$metadata#groups/$entity`,
            ...selected(req, groupFields(group)),
        });
    const [relation, cast, ...extra] = rest;
    if (relation !== 'transitiveMembers' || cast !== 'microsoft.graph.user' || extra.length > 0)
        return graphError(400, 'BadRequest', `Resource not found for the segment '${rest.join('/')}'.`);
    const members = deps.state.groupMembers(group.id).map((user) => selected(req, userFields(user)));
    return page(req, members, deps, 'users');
}

/**
 * `GET /roleManagement/directory/roleAssignments[?$filter=roleDefinitionId eq '{id}' | principalId eq '{id}']
 * [&$expand=principal]` (platform-facts §10): active assignments only; PIM-eligible ones are not modelled (and not
 * listed by this API either).
 */
export function listRoleAssignments(req: SimRequest, deps: DirectoryReadDeps): SimResponse {
    if (req.method !== 'GET')
        return graphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
    if (lacks(deps, 'RoleManagement.Read.Directory')) return denied();
    const filter = req.query.get('$filter');
    let assignments = deps.state.roleAssignments;
    if (filter !== null) {
        const match = new RegExp(`^(roleDefinitionId|principalId) eq '(${GUID})'$`).exec(filter.trim());
        if (!match) return unsupportedQuery(`Unsupported filter: '${filter}'.`);
        const [, property, value] = match as unknown as [string, 'roleDefinitionId' | 'principalId', string];
        assignments = assignments.filter((assignment) => assignment[property] === value.toLowerCase());
    }
    const expand = req.query.get('$expand');
    if (expand !== null && expand !== 'principal') return unsupportedQuery(`Unsupported $expand: '${expand}'.`);
    const items = assignments.map((assignment) => ({
        id: assignment.id,
        roleDefinitionId: assignment.roleDefinitionId,
        principalId: assignment.principalId,
        directoryScopeId: assignment.directoryScopeId,
        ...(expand === 'principal' && { principal: principalOf(assignment.principalId, deps.state) }),
    }));
    return page(req, items, deps, 'roleManagement/directory/roleAssignments');
}

function principalOf(id: string, state: TenantState): Record<string, unknown> {
    const user = state.users.get(id);
    if (user) return { '@odata.type': '#microsoft.graph.user', ...userFields(user) };
    const group = state.groups.get(id);
    if (group) return { '@odata.type': '#microsoft.graph.group', ...groupFields(group) };
    return { '@odata.type': '#microsoft.graph.servicePrincipal', id };
}

/**
 * `GET /auditLogs/directoryAudits?$filter=activityDateTime ge {t} and targetResources/any(t:t/id eq '{id}')`
 * (platform-facts §11). Entries appear `auditLogDelayMs` after the change, as the real log lags by minutes.
 */
export function listDirectoryAudits(req: SimRequest, deps: DirectoryReadDeps): SimResponse {
    if (req.method !== 'GET')
        return graphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
    if (lacks(deps, 'AuditLog.Read.All')) return denied();
    const filter = req.query.get('$filter') ?? '';
    const match = new RegExp(`^activityDateTime ge (\\S+) and targetResources/any\\(t:t/id eq '(${GUID})'\\)$`).exec(
        filter.trim(),
    );
    const since = match ? Date.parse(match[1] as string) : Number.NaN;
    if (!match || Number.isNaN(since)) return unsupportedQuery(`Unsupported filter: '${filter}'.`);
    const visibleUntil = deps.clock.now() - deps.behaviour.auditLogDelayMs;
    const target = (match[2] as string).toLowerCase();
    const entries = deps.state.directoryAudits
        .filter((entry) => entry.targetId === target && entry.at >= since && entry.at <= visibleUntil)
        .sort((a, b) => b.at - a.at)
        .map(auditBody);
    return page(req, entries, deps, 'auditLogs/directoryAudits');
}

/** The documented shape of a directoryAudit; `AccountEnabled` values come as JSON arrays in strings. */
function auditBody(entry: DirectoryAuditRecord): Record<string, unknown> {
    return {
        id: entry.id,
        category: 'UserManagement',
        correlationId: entry.id,
        result: 'success',
        resultReason: '',
        activityDisplayName: entry.activityDisplayName,
        activityDateTime: new Date(entry.at).toISOString(),
        loggedByService: 'Core Directory',
        operationType: 'Update',
        initiatedBy: {
            app: 'app' in entry.initiatedBy ? { ...entry.initiatedBy.app, servicePrincipalName: null } : null,
            user: 'user' in entry.initiatedBy ? { ...entry.initiatedBy.user, ipAddress: null } : null,
        },
        targetResources: [
            {
                id: entry.targetId,
                displayName: null,
                type: 'User',
                userPrincipalName: entry.targetUserPrincipalName,
                modifiedProperties: [
                    {
                        displayName: 'AccountEnabled',
                        oldValue: `[${entry.oldValue}]`,
                        newValue: `[${entry.newValue}]`,
                    },
                ],
            },
        ],
        additionalDetails: [],
    };
}
