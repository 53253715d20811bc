import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { FieldProblem } from '../../../src/core/errors';
import type { Caller, RequestRecord, RequestSummary } from '../../../src/core/ports/auditStore';
import {
    HOLD_MODES,
    TICKET_SYSTEMS,
    parseSignOutRequest,
    requestInputSchema,
    type RequestPolicy,
    type SignOutActions,
    type SignOutRequest,
    type Ticket,
} from '../../../src/core/request/signOutRequest';
import { GUID_PATTERN, UPN_PATTERN } from '../../../src/core/request/patterns';
import {
    FINAL_STATES,
    type EnvironmentResult,
    type ResidualRisk,
    type SessionCounts,
    type SignOutResult,
    type SystemOutcome,
    type UserResult,
} from '../../../src/core/result';
import type { HeldEntry } from '../../../src/core/service/activeHolds';
import type { EnvironmentSummary } from '../../../src/core/service/environmentList';
import { publicRecord } from '../../../src/core/service/publicRecord';
import { badRequest, errorResponse } from '../../../src/functions/http/responses';
import { SETTINGS } from '../../../src/settings';
import { draft04 } from './support/jsonSchema';

/** The official schemas live in shared/ beside the repository (CI puts a copy there too). */
const SCHEMAS_DIR = path.join(__dirname, '../../../../shared/schemas/power-platform');
const CONNECTOR_DIR = path.join(__dirname, '../../../connector');

type JsonSchema = {
    type?: string;
    properties?: Record<string, JsonSchema>;
    items?: JsonSchema;
    required?: string[];
    anyOf?: JsonSchema[];
    oneOf?: JsonSchema[];
    enum?: unknown[];
    const?: unknown;
    default?: unknown;
    $ref?: string;
    [keyword: string]: unknown;
};

interface Parameter {
    name: string;
    in: string;
    $ref?: string;
    schema?: JsonSchema;
    [keyword: string]: unknown;
}

interface Operation {
    operationId?: string;
    summary?: string;
    description?: string;
    parameters?: Parameter[];
    responses: Record<string, { description: string; schema?: JsonSchema; headers?: Record<string, JsonSchema> }>;
    [keyword: string]: unknown;
}

interface Swagger {
    host: string;
    basePath: string;
    schemes: string[];
    paths: Record<string, Record<string, Operation>>;
    definitions: Record<string, JsonSchema>;
    parameters: Record<string, Parameter>;
    securityDefinitions: Record<string, { type: string; in?: string; name?: string; flow?: string }>;
    security: Array<Record<string, string[]>>;
}

interface ConnectionParameter {
    type: string;
    defaultValue?: unknown;
    uiDefinition?: { displayName?: string; description?: string };
    oAuthSettings?: {
        identityProvider: string;
        scopes?: string[];
        properties?: Record<string, string>;
        customParameters?: Record<string, { value: string }>;
    };
}

interface ApiProperties {
    properties: {
        connectionParameters: Record<string, ConnectionParameter>;
        policyTemplateInstances: Array<{ templateId: string; parameters: Record<string, unknown> }>;
    };
}

/** The connector's own keywords: annotations for the designer, not validation. */
const CONNECTOR_VOCABULARY = ['x-ms-summary', 'x-ms-visibility', 'x-ms-enum-values', 'x-ms-dynamic-values'];

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const swagger = readJson<Swagger>(path.join(CONNECTOR_DIR, 'apiDefinition.swagger.json'));
const apiProperties = readJson<ApiProperties>(path.join(CONNECTOR_DIR, 'apiProperties.json'));

/** Removes `//` comments outside strings: the upstream schema files are JSONC (see shared SOURCE.md). */
function stripLineComments(jsonc: string): string {
    let out = '';
    let inString = false;
    for (let i = 0; i < jsonc.length; i += 1) {
        const char = jsonc[i] ?? '';
        if (inString) {
            out += char;
            if (char === '\\') out += jsonc[++i] ?? '';
            else if (char === '"') inString = false;
        } else if (char === '/' && jsonc[i + 1] === '/') {
            while (i + 1 < jsonc.length && jsonc[i + 1] !== '\n') i += 1;
        } else {
            inString = char === '"';
            out += char;
        }
    }
    return out;
}

/**
 * A validator for one official schema. Ajv's strict mode lints the schema itself, and the upstream schemas (not
 * ours to change) trip it (`additionalItems` without tuple `items`, keywords without `type`), so it is off here;
 * it stays on for the connector's own schemas below. The apiProperties schema declares draft-07 but is written in
 * draft-04 (it uses `id`, not `$id`, and no later keyword), so it is compiled as draft-04 without its `$schema`.
 */
function officialValidator(schema: Record<string, unknown>) {
    const { $schema, ...rest } = schema;
    const draft04Schema = typeof $schema === 'string' && $schema.includes('draft-04') ? schema : rest;
    return draft04({ strict: false }).compile(draft04Schema);
}

const officialVariants = (name: string) => {
    const original = JSON.parse(stripLineComments(fs.readFileSync(path.join(SCHEMAS_DIR, `${name}.json`), 'utf8')));
    const strict = readJson<Record<string, unknown>>(path.join(SCHEMAS_DIR, `${name}.strict.json`));
    return { original: original as Record<string, unknown>, strict };
};

describe.each([
    ['apiDefinition.swagger.json', 'apiDefinition.swagger.schema', swagger],
    ['apiProperties.json', 'paconn-apiProperties.schema', apiProperties],
])('connector/%s against the official schema', (_file, schemaName, document) => {
    const variants = officialVariants(schemaName);

    it('reads the JSONC original as the same schema as its strict variant', () => {
        expect(variants.original).toEqual(variants.strict);
    });

    it.each(['original', 'strict'] as const)('is valid against the %s variant', (variant) => {
        const validate = officialValidator(variants[variant]);
        expect(validate(document) ? [] : validate.errors).toEqual([]);
    });

    it('is refused by the schema when broken, so the validation has teeth', () => {
        const validate = officialValidator(variants.strict);
        const broken: Record<string, unknown> = { ...structuredClone(document) };
        broken.unexpected = true;
        expect(validate(broken)).toBe(false);
    });
});

/** Every operation, with its path-level and `$ref` parameters resolved. */
const operations = Object.entries(swagger.paths).flatMap(([route, item]) =>
    Object.entries(item).map(([method, operation]) => ({
        route,
        method,
        operation,
        parameters: (operation.parameters ?? []).map((parameter) =>
            parameter.$ref ? swagger.parameters[parameter.$ref.replace('#/parameters/', '')] : parameter,
        ),
    })),
);

const resolve = (schema: JsonSchema): JsonSchema =>
    schema.$ref ? resolve(swagger.definitions[schema.$ref.replace('#/definitions/', '')] ?? {}) : schema;

/** Every property under a schema, following `$ref`s once each, as [path, schema]. */
function propertiesOf(schema: JsonSchema, at: string, seen = new Set<JsonSchema>()): Array<[string, JsonSchema]> {
    const resolved = resolve(schema);
    if (seen.has(resolved)) return [];
    seen.add(resolved);
    const own = Object.entries(resolved.properties ?? {}).flatMap(([name, property]): Array<[string, JsonSchema]> => [
        [`${at}.${name}`, property],
        ...propertiesOf(property, `${at}.${name}`, seen),
    ]);
    return resolved.items ? [...own, ...propertiesOf(resolved.items, `${at}[]`, seen)] : own;
}

describe('connector operations', () => {
    it('serves the routes of the HTTP API and nothing else', () => {
        expect(
            operations.map(
                ({ method, route, operation }) => `${method.toUpperCase()} ${route} ${operation.operationId}`,
            ),
        ).toEqual([
            'POST /signouts SubmitSignOut',
            'GET /signouts ListSignOuts',
            'POST /signouts/preview PreviewSignOut',
            'GET /signouts/{requestId} GetSignOutStatus',
            'GET /environments ListEnvironments',
            'GET /holds ListHolds',
            'POST /holds/{id}/release ReleaseHold',
        ]);
        expect(swagger.basePath).toBe('/api');
        expect(swagger.schemes).toEqual(['https']);
    });

    it.each(operations.map((entry) => [entry.operation.operationId, entry] as const))(
        '%s has a summary, a description, a visibility, and labelled parameters',
        (_id, { operation, parameters }) => {
            expect(operation.summary).toEqual(expect.any(String));
            expect(operation.description).toEqual(expect.any(String));
            expect(['important', 'advanced', 'internal']).toContain(operation['x-ms-visibility']);
            for (const parameter of parameters) {
                expect(parameter).toBeDefined();
                expect([parameter?.name, parameter?.['x-ms-summary'], parameter?.description]).toEqual([
                    parameter?.name,
                    expect.any(String),
                    expect.any(String),
                ]);
                if (parameter?.in !== 'body')
                    expect(['important', 'advanced', 'internal']).toContain(parameter?.['x-ms-visibility']);
            }
        },
    );

    it('labels every field of the request body with a title, a description and a visibility', () => {
        const unlabelled = propertiesOf({ $ref: '#/definitions/SignOutRequest' }, 'body')
            .filter(
                ([, property]) => !(property['x-ms-summary'] && property.description && property['x-ms-visibility']),
            )
            .map(([at]) => at);
        expect(unlabelled).toEqual([]);
    });

    it('labels every field of every response with a title and a description', () => {
        const responses = operations.flatMap(({ operation }) =>
            Object.entries(operation.responses).flatMap(([status, response]) =>
                response.schema ? propertiesOf(response.schema, `${operation.operationId}.${status}`) : [],
            ),
        );
        const unlabelled = responses
            .filter(([, property]) => !property.$ref && !(property['x-ms-summary'] && property.description))
            .map(([at]) => at);
        expect(unlabelled).toEqual([]);
    });

    it('uses the asynchronous pattern: 202 with Location and Retry-After, then 200 with the final status', () => {
        for (const operationId of ['SubmitSignOut', 'GetSignOutStatus']) {
            const operation = operations.find((entry) => entry.operation.operationId === operationId)?.operation;
            expect(Object.keys(operation?.responses['202']?.headers ?? {})).toEqual(['Location', 'Retry-After']);
            expect(operation?.responses['200']?.schema).toEqual({ $ref: '#/definitions/SignOutStatus' });
        }
    });

    it('lists every request state, and only final ones as final', () => {
        const states = ['accepted', 'running', ...FINAL_STATES];
        expect(resolve({ $ref: '#/definitions/SignOutAccepted' }).properties?.status?.enum).toEqual(states);
        expect(resolve({ $ref: '#/definitions/SignOutStatus' }).properties?.status?.enum).toEqual(states);
        expect(resolve({ $ref: '#/definitions/SignOutPending' }).properties?.status?.enum).toEqual([
            'accepted',
            'running',
        ]);
        expect(resolve({ $ref: '#/definitions/RequestSummary' }).properties?.state?.enum).toEqual(states);
    });

    it("lists every status an environment's result can carry", () => {
        // A Record over the type: a status added to EnvironmentResult does not compile here until it is listed.
        const statuses: Record<EnvironmentResult['status'], true> = {
            succeeded: true,
            partial: true,
            failed: true,
            skipped: true,
        };
        expect(resolve({ $ref: '#/definitions/EnvironmentResult' }).properties?.status?.enum).toEqual(
            Object.keys(statuses),
        );
    });
});

describe('connector security and connection', () => {
    const connectionParameters = apiProperties.properties.connectionParameters;

    it('authenticates with an Entra ID token (OAuth 2.0, aad) and a function key, both on every call', () => {
        const definitions = Object.entries(swagger.securityDefinitions);
        const oauth = definitions.find(([, definition]) => definition.type === 'oauth2');
        const key = definitions.find(([, definition]) => definition.type === 'apiKey');
        expect(oauth?.[1]).toMatchObject({ flow: 'accessCode' });
        expect(key?.[1]).toMatchObject({ in: 'header', name: 'x-functions-key' });
        expect(definitions).toHaveLength(2);
        // One requirement naming both: App Service authentication wants the token, the Functions host the key.
        expect(swagger.security).toEqual([{ [oauth?.[0] ?? '']: [], [key?.[0] ?? '']: [] }]);
    });

    it('signs in against the API app registration, asking for its scope (platform-facts §9)', () => {
        const settings = connectionParameters.token?.oAuthSettings;
        expect(connectionParameters.token?.type).toBe('oauthSetting');
        expect(settings?.identityProvider).toBe('aad');
        const resource = settings?.properties?.AzureActiveDirectoryResourceId;
        expect(settings?.customParameters?.resourceUri?.value).toBe(resource);
        expect(settings?.scopes).toEqual([`${resource}/user_impersonation`]);
        expect(settings?.customParameters?.loginUri?.value).toBe('https://login.microsoftonline.com');
    });

    it('asks for the key as a secure string, never with a default', () => {
        expect(connectionParameters.api_key?.type).toBe('securestring');
        for (const [name, parameter] of Object.entries(connectionParameters)) {
            expect([name, parameter.defaultValue]).toEqual([name, undefined]);
            expect([name, parameter.uiDefinition?.displayName, parameter.uiDefinition?.description]).toEqual([
                name,
                expect.any(String),
                expect.any(String),
            ]);
        }
    });

    it('takes the host from the connection, so one definition serves every deployment', () => {
        const [policy, ...others] = apiProperties.properties.policyTemplateInstances;
        expect(others).toEqual([]);
        expect(policy?.templateId).toBe('dynamichosturl');
        const template = policy?.parameters['x-ms-apimTemplateParameter.urlTemplate'];
        const hostParameter = /^https:\/\/@connectionParameters\('(\w+)'\)(\/.*)$/.exec(String(template));
        expect(hostParameter?.[2]).toBe(swagger.basePath);
        expect(connectionParameters[hostParameter?.[1] ?? '']?.type).toBe('string');
    });
});

/** The deployment defaults the connector documents (MAX_USERS_PER_REQUEST); tenants and hosts for the examples. */
const TENANT = '6f1c2d3e-4a5b-4c6d-8e7f-901234567890';
const policy: RequestPolicy = {
    maxUsers: Number(SETTINGS.find((setting) => setting.name === 'MAX_USERS_PER_REQUEST')?.defaultValue),
    defaultTenantId: TENANT,
    allowedTenantIds: [TENANT],
    callbackHosts: ['prod-01.westeurope.logic.azure.com'],
};
const apiJsonSchema = z.toJSONSchema(requestInputSchema(policy), { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const connectorBody = swagger.definitions.SignOutRequest ?? {};

/**
 * The API's request schema reshaped the way the connector must describe it. Every difference is deliberate:
 * - `schemaVersion` is left out: the connector always speaks version 1, the default.
 * - `environments` is only the list: "all" is what leaving it out means, and OpenAPI 2.0 has no string-or-array.
 * - a hold is one flat object (mode + minutes + until): OpenAPI 2.0 has no `oneOf`. The API checks which of
 *   minutes/until goes with which mode; `until` keeps its format, not zod's long date-time pattern.
 * - the API's refinements become what the designer can show: UPN-or-GUID pattern on users, `uri` on callbackUrl,
 *   `uuid` on tenantId; integers carry Swagger's `int32`; object defaults are not repeated (their fields have them).
 */
function asConnectorShape(api: JsonSchema): JsonSchema {
    const expected = structuredClone(api);
    const properties = expected.properties ?? {};
    delete properties.schemaVersion;

    const environments = properties.environments?.anyOf?.find((branch) => branch.type === 'array');
    if (!environments) throw new Error('environments is no longer "all" or a list: revisit the connector');
    properties.environments = environments;

    const actions = properties.actions?.properties ?? {};
    for (const hold of ['blockSignIn', 'disableBcUser'] as const) actions[hold] = flatHold(actions[hold]);

    if (properties.users?.items) properties.users.items.pattern = `${GUID_PATTERN.source}|${UPN_PATTERN.source}`;
    if (properties.callbackUrl) properties.callbackUrl.format = 'uri';
    if (properties.tenantId) properties.tenantId.format = 'uuid';

    const adjust = (schema: JsonSchema) => {
        if (schema.type === 'integer') schema.format = 'int32';
        if (schema.type === 'object') delete schema.default;
        Object.values(schema.properties ?? {}).forEach(adjust);
        if (schema.items) adjust(schema.items);
    };
    adjust(expected);
    return expected;
}

function flatHold(hold: JsonSchema | undefined): JsonSchema {
    const variants = hold?.oneOf;
    if (!variants) throw new Error('a hold is no longer a oneOf of modes: revisit the connector');
    const fields: Record<string, JsonSchema> = {};
    for (const variant of variants) {
        for (const [name, field] of Object.entries(variant.properties ?? {})) {
            if (name === 'mode') continue;
            const { pattern: _datePattern, ...rest } = field;
            fields[name] = rest;
        }
    }
    return {
        type: 'object',
        required: ['mode'],
        additionalProperties: false,
        properties: {
            mode: {
                type: 'string',
                enum: variants.map((variant) => variant.properties?.mode?.const),
                default: (hold?.default as { mode?: string } | undefined)?.mode,
            },
            ...fields,
        },
    };
}

const CONTRACT_KEYWORDS = [
    'type',
    'format',
    'pattern',
    'minLength',
    'maxLength',
    'minimum',
    'maximum',
    'minItems',
    'maxItems',
    'enum',
    'default',
    'additionalProperties',
];

/** What a schema lets through: its validation keywords, recursively; labels and other annotations are dropped. */
function contract(schema: JsonSchema): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const keyword of CONTRACT_KEYWORDS) if (schema[keyword] !== undefined) out[keyword] = schema[keyword];
    if (schema.enum) out.enum = [...schema.enum].sort();
    if (schema.required) out.required = [...schema.required].sort();
    if (schema.properties)
        out.properties = Object.fromEntries(
            Object.entries(schema.properties).map(([name, property]) => [name, contract(property)]),
        );
    if (schema.items) out.items = contract(schema.items);
    for (const unsupported of ['anyOf', 'oneOf', 'allOf', 'const'])
        if (schema[unsupported] !== undefined) out[unsupported] = 'not expressible in the connector';
    return out;
}

describe('connector request body against the API schema (src/core/request/signOutRequest.ts)', () => {
    it('accepts exactly the fields, requirements, enums and bounds the API validates', () => {
        expect(contract(connectorBody)).toEqual(contract(asConnectorShape(apiJsonSchema)));
    });

    it('never tells to leave a list empty that must hold an item: the API refuses an empty list', () => {
        const contradictions = propertiesOf({ $ref: '#/definitions/SignOutRequest' }, 'body')
            .filter(
                ([, property]) =>
                    Number(property.minItems ?? 0) >= 1 &&
                    /leave (it |this field )?empty/i.test(String(property.description)),
            )
            .map(([at]) => at);
        expect(contradictions).toEqual([]);
        // The connector's README says the same as its definition.
        const readme = fs.readFileSync(path.join(CONNECTOR_DIR, 'README.md'), 'utf8');
        expect(readme).not.toMatch(/leave (it|this field) empty/i);
        expect(readme).toMatch(/leave the field out[^.]*for every active environment/);
        const environments = connectorBody.properties?.environments;
        expect(environments?.minItems).toBe(1);
        expect(environments?.description).toMatch(/leave this field out/);
        // What the description promises, the API does: no field means every active environment, [] is refused.
        const parsed = parseSignOutRequest({ users: ['adele.vance@contoso.com'], reason: 'x' }, policy);
        expect(parsed.ok && parsed.value.environments).toBe('all');
        expect(parseSignOutRequest({ users: ['a@contoso.com'], reason: 'x', environments: [] }, policy).ok).toBe(false);
    });

    it('offers the environments GET /api/environments lists as a dropdown', () => {
        const items = connectorBody.properties?.environments?.items as JsonSchema;
        const dynamic = items['x-ms-dynamic-values'] as Record<string, string>;
        const source = operations.find(({ operation }) => operation.operationId === dynamic.operationId);
        expect([source?.method, source?.route]).toEqual(['get', '/environments']);
        const listed = resolve(source?.operation.responses['200']?.schema ?? {});
        const collection = resolve(listed.properties?.[dynamic['value-collection']!]?.items ?? {});
        expect(collection.properties?.[dynamic['value-path']!]?.type).toBe('string');
        expect(collection.properties?.[dynamic['value-title']!]?.type).toBe('string');
    });

    it('offers the hold modes and ticket systems the API defines', () => {
        const actions = connectorBody.properties?.actions?.properties ?? {};
        expect(actions.blockSignIn?.properties?.mode?.enum).toEqual([...HOLD_MODES]);
        expect(actions.disableBcUser?.properties?.mode?.enum).toEqual([...HOLD_MODES]);
        expect(connectorBody.properties?.ticket?.properties?.system?.enum).toEqual([...TICKET_SYSTEMS]);
        expect(connectorBody.required?.sort()).toEqual(['reason', 'users']);
    });

    const validateBody = (() => {
        const ajv = draft04();
        ajv.addVocabulary(CONNECTOR_VOCABULARY);
        return ajv.compile(connectorBody);
    })();
    const NOW = new Date('2025-06-01T12:00:00Z');
    const minimal = { users: ['adele.vance@contoso.com'], reason: 'Leaver' };
    const full = {
        requestId: 'flow-run-08584-1',
        tenantId: TENANT,
        users: ['adele.vance@contoso.com', "o'brien+bc@contoso.co.uk", '8a1f4c3e-2b7d-4e5f-9a6b-1c2d3e4f5a6b'],
        environments: ['Production', 'Sandbox_UAT-2'],
        applicationFamily: 'BusinessCentral',
        actions: {
            revokeSessions: true,
            cancelBcSessions: false,
            blockSignIn: { mode: 'for', minutes: 525600 },
            disableBcUser: { mode: 'until', until: '2030-01-01T00:00:00+01:00' },
        },
        watchMinutes: 0,
        reason: 'r'.repeat(500),
        requestedBy: 'approver@contoso.com',
        ticket: { system: 'jira', number: 'SEC-42', id: '10042' },
        callbackUrl: 'https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke',
        dryRun: true,
    };
    const cases: Array<[string, 'accept' | 'reject', Record<string, unknown>]> = [
        ['the minimal request', 'accept', minimal],
        ['every field at its limits', 'accept', full],
        ['a permanent block', 'accept', { ...minimal, actions: { blockSignIn: { mode: 'permanent' } } }],
        ['environments by type', 'accept', { ...minimal, environmentTypes: ['Production', 'Sandbox'] }],
        ['an unknown environment type', 'reject', { ...minimal, environmentTypes: ['Test'] }],
        ['no environment type', 'reject', { ...minimal, environmentTypes: [] }],
        ['no users field', 'reject', { reason: 'Leaver' }],
        ['no reason', 'reject', { users: minimal.users }],
        ['no users', 'reject', { ...minimal, users: [] }],
        [
            'too many users',
            'reject',
            { ...minimal, users: Array.from({ length: policy.maxUsers + 1 }, (_, i) => `u${i}@contoso.com`) },
        ],
        ['something that is no user', 'reject', { ...minimal, users: ['Adele Vance'] }],
        ['a reason too long', 'reject', { ...minimal, reason: 'r'.repeat(501) }],
        ['an unknown field', 'reject', { ...minimal, priority: 'high' }],
        ['an unknown action', 'reject', { ...minimal, actions: { wipeDevice: true } }],
        ['an unknown ticket field', 'reject', { ...minimal, ticket: { system: 'jira', number: 'SEC-42', url: 'x' } }],
        ['an unknown hold mode', 'reject', { ...minimal, actions: { blockSignIn: { mode: 'forever' } } }],
        ['an unknown ticket system', 'reject', { ...minimal, ticket: { system: 'remedy', number: 'INC1' } }],
        ['a ticket without number', 'reject', { ...minimal, ticket: { system: 'jira' } }],
        ['a hold of 0 minutes', 'reject', { ...minimal, actions: { blockSignIn: { mode: 'for', minutes: 0 } } }],
        ['a hold over a year', 'reject', { ...minimal, actions: { blockSignIn: { mode: 'for', minutes: 525601 } } }],
        ['a fractional hold', 'reject', { ...minimal, actions: { blockSignIn: { mode: 'for', minutes: 1.5 } } }],
        ['a negative watch', 'reject', { ...minimal, watchMinutes: -1 }],
        ['a watch over a day', 'reject', { ...minimal, watchMinutes: 1441 }],
        ['a path as environment', 'reject', { ...minimal, environments: ['../admin'] }],
        ['a request id with a space', 'reject', { ...minimal, requestId: 'my id' }],
        ['a tenant id that is no GUID', 'reject', { ...minimal, tenantId: 'contoso' }],
        ['a switch given as text', 'reject', { ...minimal, dryRun: 'yes' }],
        [
            'a callback URL too long',
            'reject',
            { ...minimal, callbackUrl: `https://prod-01.westeurope.logic.azure.com/${'a'.repeat(2048)}` },
        ],
    ];

    it.each(cases)('%s: both %s', (_label, verdict, body) => {
        const api = parseSignOutRequest(body, policy, NOW);
        const connector = validateBody(body);
        expect({
            api: api.ok ? 'accept' : api.problems,
            connector: connector ? 'accept' : validateBody.errors,
        }).toEqual({
            api: verdict === 'accept' ? 'accept' : expect.any(Array),
            connector: verdict === 'accept' ? 'accept' : expect.any(Array),
        });
    });
});

/**
 * Responses against src/core/result.ts: each sample below holds every field of its type (`Required<>`, so a new
 * field does not compile until it is added here), and must validate against the connector's definitions with
 * additional properties refused, so the connector describes every field the API returns.
 */
describe('connector responses against src/core/result.ts', () => {
    const counts: Required<SessionCounts> = { found: 3, cancelled: 2, alreadyGone: 1, residual: 0 };
    const systemOutcome: Required<SystemOutcome> = {
        system: 'bc.Production.sessions',
        status: 'succeeded',
        at: '2025-06-01T12:00:05.000Z',
        detail: 'cancelled',
        code: 'none',
        statusCode: 204,
        counts,
        heuristic: true,
        prior: 'Enabled',
        holdUntil: 'permanent',
        retryable: false,
    };
    const userResult: Required<UserResult> = {
        user: 'adele.vance@contoso.com',
        outcome: 'processed',
        objectId: '8a1f4c3e-2b7d-4e5f-9a6b-1c2d3e4f5a6b',
        userPrincipalName: 'adele.vance@contoso.com',
        userType: 'Member',
        bcUserNames: { Production: 'ADELE' },
        detail: 'done',
        systems: [systemOutcome],
    };
    const environmentResult: Required<EnvironmentResult> = {
        name: 'Production',
        status: 'succeeded',
        code: 'none',
        detail: 'ok',
        unmatchedSessionUsers: 4,
        unmatchedSessionUserNames: ['SVC-INTEGRATION'],
    };
    const residualRisk: Required<ResidualRisk> = {
        revokedAt: '2025-06-01T12:00:01.000Z',
        tokensMayReconnectUntil: '2025-06-01T13:30:01.000Z',
        watchUntil: '2025-06-01T13:30:01.000Z',
        notes: ['guest users: revocation not effective'],
    };
    const result: Required<SignOutResult> = {
        requestId: 'flow-run-08584-1',
        status: 'completed',
        dryRun: false,
        startedAt: '2025-06-01T12:00:00.000Z',
        finishedAt: '2025-06-01T12:00:09.000Z',
        users: [userResult],
        environments: [environmentResult],
        residualRisk,
    };
    const ticket: Required<Ticket> = {
        system: 'servicenow',
        number: 'INC0012345',
        id: '46d44a5e1b0a2d1037aa6ff8ec4bcb12',
    };
    const actions: Required<SignOutActions> = {
        revokeSessions: true,
        cancelBcSessions: true,
        blockSignIn: { kind: 'until', until: '2025-06-02T12:00:00.000Z' },
        disableBcUser: { kind: 'permanent' },
    };
    const request: Required<SignOutRequest> = {
        schemaVersion: 1,
        requestId: 'flow-run-08584-1',
        tenantId: TENANT,
        users: ['adele.vance@contoso.com'],
        environments: ['Production'],
        environmentTypes: ['Production'],
        applicationFamily: 'BusinessCentral',
        actions,
        watchMinutes: 90,
        reason: 'Leaver',
        requestedBy: 'approver@contoso.com',
        ticket,
        callbackUrl: 'https://prod-01.westeurope.logic.azure.com/workflows/abc',
        dryRun: false,
        submittedAt: '2025-06-01T12:00:00.000Z',
    };
    const summary: Required<RequestSummary> = {
        requestId: 'flow-run-08584-1',
        state: 'completed',
        source: 'http',
        createdAt: '2025-06-01T12:00:00.000Z',
        updatedAt: '2025-06-01T12:00:09.000Z',
        reason: 'Leaver',
        ticketNumber: 'INC0012345',
        userCount: 1,
        callerId: 'function-key',
    };
    const problem: Required<FieldProblem> = { field: 'users[0]', reason: 'must be a user principal name' };
    const caller: Required<Caller> = {
        kind: 'app-service-auth',
        id: '8a1f4c3e-2b7d-4e5f-9a6b-1c2d3e4f5a6b',
        name: 'Flow',
        objectId: '8a1f4c3e-2b7d-4e5f-9a6b-1c2d3e4f5a6b',
        appId: '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b',
        roles: ['SignOut.Request', 'SignOut.Read'],
        verified: true,
        osUser: 'admin@workstation',
    };
    const record: Required<RequestRecord> = {
        requestId: result.requestId,
        tenantId: TENANT,
        state: 'completed',
        source: 'http',
        caller,
        request,
        reason: 'Leaver',
        ticketNumber: 'INC0012345',
        userCount: 1,
        createdAt: '2025-06-01T12:00:00.000Z',
        updatedAt: '2025-06-01T12:00:09.000Z',
        attempts: 1,
        leaseOwner: 'worker-1',
        leaseUntil: '2025-06-01T12:10:00.000Z',
        result,
        problems: [problem],
        stateDetail: 'dead-lettered after 5 attempts',
        requestSha256: 'a'.repeat(64),
        enqueuedAt: '2025-06-01T12:00:00.100Z',
        progress: {
            updatedAt: '2025-06-01T12:00:05.000Z',
            users: 1,
            done: { 'entra.revoke': 1 },
            waiting: 'Graph write quota: 1 user(s) wait 10 s',
            shards: { total: 2, ended: 1 },
        },
        shardCount: 2,
        parentRequestId: 'flow-run-08584',
    };

    const environment: Required<EnvironmentSummary> = {
        name: 'Production',
        type: 'Production',
        status: 'Active',
        applicationFamily: 'BusinessCentral',
    };
    const heldEntry: Required<HeldEntry> = {
        id: 'WyJ3IiwiZmxvdy1ydW4tMDg1ODQtMSJd',
        kind: 'bc-user-disabled',
        tenantId: TENANT,
        requestId: result.requestId,
        objectId: '8a1f4c3e-2b7d-4e5f-9a6b-1c2d3e4f5a6b',
        userPrincipalName: 'adele.vance@contoso.com',
        environments: ['Production'],
        since: '2025-06-01T12:00:05.000Z',
        until: 'permanent',
        due: false,
        requestedBy: { kind: caller.kind, id: caller.id, name: caller.name, verified: true },
        reason: 'Leaver',
        ticketNumber: 'INC0012345',
    };

    /** The connector's definitions with every object closed, so a field missing from them fails validation. */
    const closedDefinitions = (() => {
        const definitions = structuredClone(swagger.definitions);
        const close = (schema: JsonSchema) => {
            if (schema.properties) {
                schema.additionalProperties ??= false;
                Object.values(schema.properties).forEach(close);
            }
            if (schema.items) close(schema.items);
        };
        Object.values(definitions).forEach(close);
        const ajv = draft04();
        ajv.addVocabulary(CONNECTOR_VOCABULARY);
        ajv.addSchema({ id: 'connector', definitions });
        return ajv;
    })();

    it.each([
        ['SignOutResult', result],
        ['SignOutStatus', publicRecord(record)],
        ['SignOutStatus', publicRecord({ ...record, request: { ...request, environments: 'all' } })],
        [
            'SignOutAccepted',
            {
                requestId: result.requestId,
                status: 'accepted',
                statusUrl: 'https://func.example.net/api/signouts/x',
                duplicate: false,
            },
        ],
        [
            'SignOutPending',
            {
                requestId: result.requestId,
                status: 'running',
                statusUrl: 'https://func.example.net/api/signouts/x',
                progress: record.progress,
            },
        ],
        ['SignOutHistory', { items: [summary], continuationToken: 'abc' }],
        ['Error', badRequest([problem]).jsonBody],
        ['Error', errorResponse(404, 'not-found', 'No sign-out request x.').jsonBody],
        ['EnvironmentList', { value: [environment] }],
        ['HeldEntryList', { value: [heldEntry] }],
        ['HoldReleased', { id: heldEntry.id, outcome: 'left-as-is', detail: 'sign-in was changed by someone since' }],
    ])('%s describes every field the API returns', (definition, sample) => {
        const validate = closedDefinitions.compile({ $ref: `connector#/definitions/${definition}` });
        expect(validate(sample) ? [] : validate.errors).toEqual([]);
    });
});
