import { odataError } from './errorBodies';
import {
    isJsonContentType,
    isPlainObject,
    jsonResponse,
    parseJsonBody,
    type SimRequest,
    type SimResponse,
} from './http';
import type { SimulatorBehaviour } from './options';
import type { BcEnvironmentRecord, BcUserRecord, TenantState } from './state';

export interface BcAutomationDeps {
    state: TenantState;
    behaviour: SimulatorBehaviour;
    /** Public base of the BC prefix, e.g. `https://127.0.0.1:1234/bc`, for `@odata.context`. */
    baseUrl: string;
}

const USER_FIELDS = ['userSecurityId', 'userName', 'displayName', 'state', 'expiryDate', 'contactEmail'] as const;
type UserField = (typeof USER_FIELDS)[number];

/** States in which an environment comes back by itself: the API answers 503 meanwhile. */
const TRANSIENT_STATES = new Set(['NotReady', 'Preparing', 'Upgrading', 'Recovering']);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const syntaxError = () => odataError(404, 'BadRequest_NotFound', 'Bad Request - Error in query syntax.');
const methodNotAllowed = (req: SimRequest) =>
    odataError(405, 'BadRequest_MethodNotAllowed', `'${req.method}' requests for this resource are not supported.`);

/**
 * Business Central Automation API users and companies (platform-facts §3), under `/v2.0/[{tenant}/]{environment}/api/`:
 * `microsoft/automation/v2.0/companies[(id)[/users[(id)]]]` and the standard `v2.0/companies[(id)]`.
 */
export function handleBcAutomation(req: SimRequest, deps: BcAutomationDeps): SimResponse {
    const rest = req.segments.slice(1);
    // The tenant may also be named in the path: /v2.0/{tenant}/{environment}/api/...
    if (rest.length > 1 && rest[1] !== 'api' && isOwnTenant(rest[0] as string, deps.state)) rest.shift();
    const [environmentName = '', api, ...apiPath] = rest;
    if (api !== 'api') return syntaxError();
    const env = deps.state.findEnvironment(environmentName);
    if (!env) return odataError(404, 'NotFound', `The environment '${environmentName}' does not exist.`);
    // The app must be registered inside each environment (platform-facts §3); until then BC rejects the token.
    if (!env.automationAuthorized) {
        return odataError(401, 'Authentication_InvalidCredentials', 'The server has rejected the client credentials.');
    }
    if (!deps.state.bcPermissions.has('Automation.ReadWrite.All'))
        return odataError(403, 'Forbidden', 'The application lacks the permission Automation.ReadWrite.All.');
    if (env.status !== 'Active') {
        return TRANSIENT_STATES.has(env.status)
            ? odataError(503, 'ServiceUnavailable', `The environment '${env.name}' is ${env.status}.`, {
                  'Retry-After': '60',
              })
            : odataError(404, 'NotFound', `The environment '${env.name}' is ${env.status}.`);
    }
    const automation = apiPath.slice(0, 3).join('/') === 'microsoft/automation/v2.0';
    const standard = apiPath[0] === 'v2.0';
    if (!automation && !standard) return syntaxError();
    const apiRoot = `${deps.baseUrl}/v2.0/${env.name}/api/${automation ? 'microsoft/automation/v2.0' : 'v2.0'}`;
    const [companies, users, ...extra] = apiPath.slice(automation ? 3 : 1);
    if (companies === undefined || extra.length > 0 || (users !== undefined && !automation)) return syntaxError();

    const unsupported = unsupportedQueryOption(req.query, users !== undefined);
    if (unsupported) return odataError(400, 'BadRequest', unsupported);

    if (companies === 'companies') {
        if (users !== undefined) return syntaxError();
        return req.method === 'GET' ? companyList(env, apiRoot, deps) : methodNotAllowed(req);
    }
    const companyId = keyOf('companies', companies);
    if (companyId === undefined) return syntaxError();
    const company = env.companies.find((candidate) => candidate.id.toLowerCase() === companyId.toLowerCase());
    if (!company) {
        return odataError(
            404,
            'Internal_RecordNotFound',
            `The Company does not exist. Identification fields and values: Id='${companyId}'`,
        );
    }
    if (users === undefined) {
        return req.method === 'GET'
            ? jsonResponse(200, { '@odata.context': `${apiRoot}/$metadata#companies/$entity`, ...companyBody(company) })
            : methodNotAllowed(req);
    }
    const usersRoot = `${apiRoot}/$metadata#companies(${company.id})/users`;
    if (users === 'users') return req.method === 'GET' ? userList(req, env, usersRoot) : methodNotAllowed(req);
    const userId = keyOf('users', users);
    if (userId === undefined) return syntaxError();
    const user = env.users.find((candidate) => candidate.userSecurityId.toLowerCase() === userId.toLowerCase());
    if (!user) {
        return odataError(
            404,
            'Internal_RecordNotFound',
            `The User does not exist. Identification fields and values: User Security ID='${userId}'`,
        );
    }
    if (req.method === 'GET') return userEntity(req, user, usersRoot);
    if (req.method === 'PATCH') return patchUser(req, user, usersRoot, deps);
    return methodNotAllowed(req);
}

function isOwnTenant(segment: string, state: TenantState): boolean {
    const wanted = segment.toLowerCase();
    return wanted === state.tenantId || wanted === state.tenantDomain.toLowerCase();
}

/** The key of `name(key)`, a GUID written bare as OData v4 does (quotes tolerated). */
function keyOf(name: string, segment: string): string | undefined {
    const match = new RegExp(`^${name}\\('?([^')]*)'?\\)$`).exec(segment);
    return match && GUID.test(match[1] as string) ? match[1] : undefined;
}

/** The simulator filters and projects users; it refuses query options it does not model instead of ignoring them. */
function unsupportedQueryOption(query: URLSearchParams, onUsers: boolean): string | undefined {
    for (const name of query.keys()) {
        if (!name.startsWith('$')) continue;
        if (onUsers && (name === '$filter' || name === '$select')) continue;
        return `The query option '${name}' is not supported by the simulator here.`;
    }
    return undefined;
}

function companyBody(company: BcEnvironmentRecord['companies'][number]): Record<string, unknown> {
    return {
        id: company.id,
        systemVersion: '24012',
        name: company.name,
        displayName: company.displayName,
        businessProfileId: '',
        systemCreatedAt: '2023-01-04T16:55:47.367Z',
        systemCreatedBy: '00000000-0000-0000-0000-000000000001',
        systemModifiedAt: '2023-01-04T16:55:47.367Z',
        systemModifiedBy: '00000000-0000-0000-0000-000000000001',
    };
}

/** A collection, or the doc example's quirk of one bare object (SOURCES.md) when `companiesShape` is `bare`. */
function companyList(env: BcEnvironmentRecord, apiRoot: string, deps: BcAutomationDeps): SimResponse {
    if (deps.behaviour.companiesShape === 'bare' && env.companies[0]) {
        return jsonResponse(200, companyBody(env.companies[0]));
    }
    return jsonResponse(200, {
        '@odata.context': `${apiRoot}/$metadata#companies`,
        value: env.companies.map(companyBody),
    });
}

/** A weak etag that changes with every modification, in BC's base64 style. */
export function etagOf(user: BcUserRecord): string {
    const digits = `${user.version}${user.userSecurityId.replace(/\D/g, '').slice(0, 12)}`;
    return `W/"${Buffer.from(`'${digits.length};${digits};00;'`).toString('base64')}"`;
}

function userBody(user: BcUserRecord, select?: readonly UserField[]): Record<string, unknown> {
    const body: Record<string, unknown> = { '@odata.etag': etagOf(user) };
    for (const field of select ?? USER_FIELDS) body[field] = user[field];
    return body;
}

function parseSelect(
    query: URLSearchParams,
): { ok: true; fields?: UserField[] } | { ok: false; response: SimResponse } {
    const text = query.get('$select');
    if (text === null) return { ok: true };
    const fields: UserField[] = [];
    for (const name of text.split(',').map((item) => item.trim())) {
        const field = USER_FIELDS.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
        if (!field) {
            return {
                ok: false,
                response: odataError(400, 'BadRequest_PropertyNotFound', `Could not find a property named '${name}'.`),
            };
        }
        fields.push(field);
    }
    return { ok: true, fields };
}

/** `$filter` with `field eq 'value'` terms joined by `and`; compared case-insensitively like BC's collation. */
function parseFilter(
    query: URLSearchParams,
): { ok: true; test: (user: BcUserRecord) => boolean } | { ok: false; response: SimResponse } {
    const text = query.get('$filter');
    if (text === null) return { ok: true, test: () => true };
    const terms: Array<[UserField, string]> = [];
    for (const part of text.split(/\s+and\s+/i)) {
        const match = /^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(part);
        const field = USER_FIELDS.find((candidate) => candidate.toLowerCase() === match?.[1]?.toLowerCase());
        if (!match || !field) {
            return {
                ok: false,
                response: odataError(
                    400,
                    'BadRequest',
                    `The simulator supports only "field eq 'value'" filters, got: ${text}`,
                ),
            };
        }
        terms.push([field, (match[2] as string).replace(/''/g, "'")]);
    }
    return {
        ok: true,
        test: (user) => terms.every(([field, value]) => String(user[field]).toLowerCase() === value.toLowerCase()),
    };
}

function userList(req: SimRequest, env: BcEnvironmentRecord, usersRoot: string): SimResponse {
    const select = parseSelect(req.query);
    if (!select.ok) return select.response;
    const filter = parseFilter(req.query);
    if (!filter.ok) return filter.response;
    return jsonResponse(200, {
        '@odata.context': usersRoot,
        value: env.users.filter(filter.test).map((user) => userBody(user, select.fields)),
    });
}

function userEntity(req: SimRequest, user: BcUserRecord, usersRoot: string): SimResponse {
    const select = parseSelect(req.query);
    if (!select.ok) return select.response;
    return jsonResponse(
        200,
        { '@odata.context': `${usersRoot}/$entity`, ...userBody(user, select.fields) },
        { ETag: etagOf(user) },
    );
}

const stripWeak = (etag: string) => etag.trim().replace(/^W\//, '');

/** PATCH `state`/`expiryDate` with a required If-Match (platform-facts §3). */
function patchUser(req: SimRequest, user: BcUserRecord, usersRoot: string, deps: BcAutomationDeps): SimResponse {
    const ifMatch = req.headers['if-match'];
    if (ifMatch === undefined || ifMatch.trim() === '') {
        return odataError(
            400,
            'BadRequest',
            'Could not save the changes because the If-Match header is missing. Send the @odata.etag or *.',
        );
    }
    if (!isJsonContentType(req.headers['content-type'])) {
        return odataError(400, 'BadRequest', 'The request needs Content-Type: application/json.');
    }
    const parsed = parseJsonBody(req.body);
    if (!parsed.ok) return odataError(400, 'BadRequest', parsed.problem);
    if (!isPlainObject(parsed.value)) return odataError(400, 'BadRequest', 'The request body must be a JSON object.');
    const changes = parsed.value;
    for (const [name, value] of Object.entries(changes)) {
        if (name.startsWith('@odata.')) continue;
        if (name === 'state' && (value === 'Enabled' || value === 'Disabled')) continue;
        if (name === 'expiryDate' && typeof value === 'string' && !Number.isNaN(Date.parse(value))) continue;
        const reason = name === 'state' || name === 'expiryDate' ? 'has an invalid value' : 'cannot be modified';
        return odataError(400, 'BadRequest', `The property '${name}' ${reason}.`);
    }
    const current = stripWeak(etagOf(user));
    const matches = ifMatch.split(',').some((tag) => tag.trim() === '*' || stripWeak(tag) === current);
    if (!matches) {
        return odataError(
            deps.behaviour.staleEtagStatus,
            'Request_EntityChanged',
            'Another user has already changed the record.',
        );
    }
    if (changes.state !== undefined) user.state = changes.state as BcUserRecord['state'];
    if (changes.expiryDate !== undefined) user.expiryDate = changes.expiryDate as string;
    deps.state.touch(user);
    return jsonResponse(200, { '@odata.context': `${usersRoot}/$entity`, ...userBody(user) }, { ETag: etagOf(user) });
}
