import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { httpRequest, invocationContext, plain, type CapturedLog, type PlainResponse } from '../support/hostEmulation';

/**
 * Who may call which route. Each app instance below is the app under one configuration (its settings read once, as
 * in a host): App Service authentication on and required, off (a forged identity header), and off for local
 * development (a function key alone, every role, recorded as unauthenticated).
 */
const BASE = 'https://bc-signout.example/api';
const { alice, dan, hank, erin } = FIXTURE.users;
const OTHER_TENANT = '22222222-2222-4222-8222-222222222222';
const FLOW = { oid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', appId: 'c0ffee00-1111-4222-8333-444455556666' };
const ADMIN = { oid: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b' };
let harness: AppHarness;
const logs: CapturedLog[] = [];

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
interface App {
    accept: Handler;
    preview: Handler;
    status: Handler;
    list: Handler;
    health: Handler;
    environments: Handler;
    holds: Handler;
    release: Handler;
    doctor: Handler;
    audit: () => Promise<{ getRequest(id: string): Promise<unknown> }>;
}

/**
 * Runs `use` against the app as a host would load it with these settings on top of the harness's. Everything the
 * app loads, lazily loaded modules included, comes from a registry of its own while `use` runs, so its
 * configuration is read from these settings.
 */
async function withApp<T>(env: Record<string, string | undefined>, use: (app: App) => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    const apply = (values: Record<string, string | undefined>) => {
        for (const [name, value] of Object.entries(values)) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
    };
    apply(env);
    let result: { value: T } | undefined;
    try {
        await jest.isolateModulesAsync(async () => {
            (await import('../../src/config')).appConfig();
            const { sharedServiceDependencies } = await import('../../src/composition/serviceDependencies');
            const app: App = {
                accept: (await import('../../src/functions/acceptSignOut')).acceptSignOut,
                preview: (await import('../../src/functions/previewSignOut')).previewSignOut,
                status: (await import('../../src/functions/getSignOutStatus')).getSignOutStatus,
                list: (await import('../../src/functions/listSignOuts')).listSignOuts,
                health: (await import('../../src/functions/health')).health,
                environments: (await import('../../src/functions/listEnvironments')).listEnvironments,
                holds: (await import('../../src/functions/listHolds')).listHolds,
                release: (await import('../../src/functions/releaseHold')).releaseHold,
                doctor: (await import('../../src/functions/doctor')).doctor,
                audit: async () => (await sharedServiceDependencies()).audit,
            };
            apply(saved);
            result = { value: await use(app) };
        });
    } finally {
        apply(saved);
    }
    if (!result) throw new Error('the app did not run');
    return result.value;
}

/** `x-ms-client-principal` as App Service authentication sets it (platform-facts §9). */
function principal(
    who: { oid?: string; appId?: string; name?: string; roles?: string[] },
    extra: Record<string, unknown> = {},
): string {
    const claims = [
        ...(who.oid ? [{ typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: who.oid }] : []),
        ...(who.appId ? [{ typ: 'appid', val: who.appId }] : []),
        ...(who.name ? [{ typ: 'name', val: who.name }] : []),
        ...(who.roles ?? []).map((role) => ({ typ: 'roles', val: role })),
    ];
    return encode({ auth_typ: 'aad', claims, name_typ: 'name', role_typ: 'roles', ...extra });
}
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

async function call(handler: Handler, request: HttpRequest): Promise<PlainResponse> {
    return plain(await handler(request, invocationContext('test', {}, logs)));
}
const withPrincipal = (header: string | undefined): Record<string, string> =>
    header === undefined ? {} : { 'x-ms-client-principal': header };
const post = (path: string, body: unknown, header?: string) =>
    httpRequest('POST', `${BASE}/${path}`, { body, headers: withPrincipal(header) });
const get = (path: string, header?: string, params: Record<string, string> = {}) => {
    const request = httpRequest('GET', `${BASE}/${path}`, { headers: withPrincipal(header) });
    Object.assign(request.params, params);
    return request;
};
const codeOf = (response: PlainResponse) => (response.body as { error?: { code?: string } }).error?.code;

/** App Service authentication on and required, with the per-caller and tenant settings under test. */
const SECURED = {
    WEBSITE_AUTH_ENABLED: 'True',
    AUTH_REQUIRED: 'true',
    CALLER_MAX_USERS_PER_HOUR: '5',
    ALLOWED_TENANT_IDS: `${FIXTURE.tenantId},${OTHER_TENANT}`,
    TENANT_CALLERS: `${OTHER_TENANT}=${ADMIN.oid}`,
};
/** App Service authentication off: nothing validates or strips a client-sent principal header. */
const UNSECURED = { WEBSITE_AUTH_ENABLED: undefined, AUTH_REQUIRED: 'true' };
/** Local development: no App Service authentication, a function key alone is enough. */
const DEVELOPMENT = { WEBSITE_AUTH_ENABLED: undefined, AUTH_REQUIRED: 'false' };

type Route = Exclude<keyof App, 'audit'>;
const callOn = (env: Record<string, string | undefined>, route: Route, request: HttpRequest) =>
    withApp(env, (app) => call(app[route], request));
const auditOf = (env: Record<string, string | undefined>) => withApp(env, (app) => app.audit());
let signOutId: string;

beforeAll(async () => {
    harness = await startAppHarness({ settings: { MAX_USERS_PER_REQUEST: '3', BULK_THRESHOLD: '2' } });
    const accepted = await callOn(
        SECURED,
        'accept',
        post(
            'signouts',
            { users: [alice.userPrincipalName], reason: 'authorization tests', dryRun: true },
            principal({ oid: ADMIN.oid, roles: ['SignOut.Request'] }),
        ),
    );
    signOutId = (accepted.body as { requestId: string }).requestId;
});
afterAll(async () => harness.close());

interface RouteCase {
    name: string;
    role: string;
    request: (header: string | undefined) => HttpRequest;
    handler: Route;
    /** What a caller holding the role gets. */
    allowed: number;
}

const routes: RouteCase[] = [
    {
        name: 'POST /api/signouts',
        role: 'SignOut.Request',
        request: (header) =>
            post('signouts', { users: [dan.userPrincipalName], reason: 'matrix', dryRun: true }, header),
        handler: 'accept',
        allowed: 202,
    },
    {
        name: 'POST /api/signouts/preview',
        role: 'SignOut.Request',
        request: (header) => post('signouts/preview', { users: [dan.userPrincipalName], reason: 'matrix' }, header),
        handler: 'preview',
        allowed: 200,
    },
    {
        name: 'GET /api/signouts/{requestId}',
        role: 'SignOut.Read',
        request: (header) => get(`signouts/${signOutId}`, header, { requestId: signOutId }),
        handler: 'status',
        allowed: 202,
    },
    {
        name: 'GET /api/signouts',
        role: 'SignOut.Read',
        request: (header) => get(`signouts?user=${alice.userPrincipalName}`, header),
        handler: 'list',
        allowed: 200,
    },
    {
        name: 'GET /api/environments',
        role: 'SignOut.Read',
        request: (header) => get('environments', header),
        handler: 'environments',
        allowed: 200,
    },
    {
        name: 'GET /api/holds',
        role: 'SignOut.Read',
        request: (header) => get('holds', header),
        handler: 'holds',
        allowed: 200,
    },
    {
        name: 'POST /api/holds/{id}/release',
        role: 'SignOut.Block',
        request: (header) => {
            const request = post(`holds/${UNKNOWN_HOLD}/release`, {}, header);
            request.params.id = UNKNOWN_HOLD;
            return request;
        },
        handler: 'release',
        // Well-formed, in force nowhere: a caller holding the role gets as far as the look-up.
        allowed: 404,
    },
    {
        name: 'GET /api/doctor',
        role: 'SignOut.Read',
        request: (header) => get('doctor', header),
        handler: 'doctor',
        // The report itself: this simulator's tokens are opaque, so the permissions they carry cannot be read.
        allowed: 503,
    },
];
const UNKNOWN_HOLD = Buffer.from(JSON.stringify(['w', 'no-such-request', alice.id])).toString('base64url');
const OTHER_ROLES = (role: string) => ['SignOut.Request', 'SignOut.Block', 'SignOut.Read'].filter((r) => r !== role);

describe.each(routes)('$name', (route) => {
    it('refuses a call without a token when authentication is required: 401', async () => {
        const response = await callOn(SECURED, route.handler, route.request(undefined));
        expect([response.status, codeOf(response)]).toEqual([401, 'authentication-required']);
    });

    it('refuses a principal header while App Service authentication is off: 401, it could be forged', async () => {
        const forged = principal({ oid: FLOW.oid, roles: ['SignOut.Request', 'SignOut.Block', 'SignOut.Read'] });
        const response = await callOn(UNSECURED, route.handler, route.request(forged));
        expect(response.status).toBe(401);
        expect((response.body as { error: { message: string } }).error.message).toMatch(
            /caller identity header without App Service authentication/i,
        );
    });

    it('refuses a valid principal without the role: 403 naming it', async () => {
        const response = await callOn(
            SECURED,
            route.handler,
            route.request(principal({ oid: FLOW.oid, roles: OTHER_ROLES(route.role) })),
        );
        expect([response.status, codeOf(response)]).toEqual([403, 'role-required']);
        expect(JSON.stringify(response.body)).toContain(route.role);
    });

    it('serves a valid principal holding the role', async () => {
        const response = await callOn(
            SECURED,
            route.handler,
            route.request(principal({ oid: FLOW.oid, roles: [route.role] })),
        );
        expect(response.status).toBe(route.allowed);
    });
});

describe('GET /api/health (public: an availability probe has no token)', () => {
    const probe = (header?: string) => get('health', header);

    it('answers without a token, and to a principal with or without roles', async () => {
        // Only the simulator's tenant is served here: health also checks every served tenant's protected accounts.
        const secured = { ...SECURED, ALLOWED_TENANT_IDS: FIXTURE.tenantId, TENANT_CALLERS: '' };
        expect((await callOn(secured, 'health', probe())).status).toBe(200);
        expect((await callOn(secured, 'health', probe(principal({ oid: FLOW.oid, roles: [] })))).status).toBe(200);
        expect(
            (await callOn(secured, 'health', probe(principal({ oid: FLOW.oid, roles: ['SignOut.Read'] })))).status,
        ).toBe(200);
    });

    it('refuses a principal header while App Service authentication is off', async () => {
        expect((await callOn(UNSECURED, 'health', probe(principal({ oid: FLOW.oid })))).status).toBe(401);
    });
});

describe('the client principal', () => {
    const accept = (header: string) =>
        callOn(
            SECURED,
            'accept',
            post('signouts', { users: [erin.userPrincipalName], reason: 'x', dryRun: true }, header),
        );

    it.each([
        ['claims that are not a list', encode({ auth_typ: 'aad', claims: 'oid' })],
        ['a claim that is not a typ/val pair', encode({ claims: [{ typ: 'oid', val: 7 }] })],
        ['an object id that is not a GUID', principal({ oid: "x' or 1 eq 1", roles: ['SignOut.Request'] })],
        ['an app id that is not a GUID', principal({ appId: 'flow', roles: ['SignOut.Request'] })],
        ['no object or app id', principal({ name: 'nobody', roles: ['SignOut.Request'] })],
        [
            'a name with control characters',
            principal({ oid: FLOW.oid, name: 'Flow\u202eevil\nx', roles: ['SignOut.Request'] }),
        ],
        ['no JSON at all', 'not-base64-json'],
        ['a JSON array', encode([])],
    ])('is refused with 401, not 500, for %s', async (_case, header) => {
        const response = await accept(header);
        expect([response.status, codeOf(response)]).toEqual([401, 'invalid-principal']);
    });

    it('puts object id, name, app id and roles in the audit, as verified', async () => {
        const response = await accept(
            principal({ oid: FLOW.oid, appId: FLOW.appId, name: 'HR leaver flow', roles: ['SignOut.Request'] }),
        );
        expect(response.status).toBe(202);
        const record = (await (
            await auditOf(SECURED)
        ).getRequest((response.body as { requestId: string }).requestId)) as {
            caller: unknown;
        };
        expect(record.caller).toEqual({
            kind: 'app-service-auth',
            id: FLOW.oid,
            objectId: FLOW.oid,
            appId: FLOW.appId,
            name: 'HR leaver flow',
            roles: ['SignOut.Request'],
            verified: true,
        });
    });

    it('answers 403 to a caller outside ALLOWED_CALLER_IDS, and to a key-only caller when the list is set', async () => {
        const LISTED = { WEBSITE_AUTH_ENABLED: 'True', AUTH_REQUIRED: 'false', ALLOWED_CALLER_IDS: ADMIN.oid };
        const other = await callOn(
            LISTED,
            'list',
            get('signouts', principal({ oid: FLOW.oid, roles: ['SignOut.Read'] })),
        );
        expect([other.status, codeOf(other)]).toEqual([403, 'forbidden']);
        const keyOnly = await callOn(LISTED, 'list', get('signouts'));
        expect([keyOnly.status, codeOf(keyOnly)]).toEqual([403, 'forbidden']);
        const admin = await callOn(
            LISTED,
            'list',
            get('signouts', principal({ oid: ADMIN.oid, roles: ['SignOut.Read'] })),
        );
        expect(admin.status).toBe(200);
    });
});

describe('local development (AUTH_REQUIRED=false, no App Service authentication)', () => {
    it('lets a function key alone call with every role, and records the caller as unauthenticated', async () => {
        const response = await callOn(
            DEVELOPMENT,
            'accept',
            post('signouts', {
                users: [hank.userPrincipalName],
                reason: 'development',
                actions: { blockSignIn: { mode: 'for', minutes: 5 } },
                dryRun: true,
            }),
        );
        expect(response.status).toBe(202);
        const record = (await (
            await auditOf(DEVELOPMENT)
        ).getRequest((response.body as { requestId: string }).requestId)) as { caller: unknown };
        expect(record.caller).toEqual({
            kind: 'function-key',
            id: 'unauthenticated',
            roles: ['SignOut.Request', 'SignOut.Block', 'SignOut.Read'],
            verified: false,
        });
    });
});

describe('what a request asks for decides the role', () => {
    const requester = principal({ oid: FLOW.oid, roles: ['SignOut.Request'] });
    const blocker = principal({ oid: ADMIN.oid, roles: ['SignOut.Request', 'SignOut.Block'] });
    const body = (extra: Record<string, unknown>) => ({
        users: [dan.userPrincipalName],
        reason: 'roles',
        dryRun: false,
        environments: ['SANDBOX'],
        ...extra,
    });

    it.each([
        ['blocking sign-in', { actions: { blockSignIn: { mode: 'for', minutes: 60 } } }],
        ['disabling BC users for good', { actions: { disableBcUser: { mode: 'permanent' } } }],
        ['more users than BULK_THRESHOLD', { users: [alice.userPrincipalName, dan.userPrincipalName, hank.id] }],
    ])('%s needs SignOut.Block', async (_case, extra) => {
        const refused = await callOn(SECURED, 'accept', post('signouts', body(extra), requester));
        expect([refused.status, codeOf(refused)]).toEqual([403, 'role-required']);
        expect(JSON.stringify(refused.body)).toContain('SignOut.Block');
        const allowed = await callOn(SECURED, 'accept', post('signouts', body({ ...extra, dryRun: true }), requester));
        expect(allowed.status).toBe(202);
        const withBlock = await callOn(SECURED, 'accept', post('signouts', body({ ...extra, dryRun: true }), blocker));
        expect(withBlock.status).toBe(202);
    });
});

describe('preview', () => {
    it("does not show other users' session user names without SignOut.Read", async () => {
        const body = { users: [alice.userPrincipalName], reason: 'who else is on', environments: ['PRODUCTION'] };
        const names = (response: PlainResponse) =>
            (response.body as { environments: { unmatchedSessionUserNames?: string[] }[] }).environments.map(
                (environment) => environment.unmatchedSessionUserNames,
            );
        const requester = await callOn(
            SECURED,
            'preview',
            post('signouts/preview', body, principal({ oid: FLOW.oid, roles: ['SignOut.Request'] })),
        );
        expect(requester.status).toBe(200);
        expect(names(requester)).toEqual([undefined]);
        const reader = await callOn(
            SECURED,
            'preview',
            post('signouts/preview', body, principal({ oid: FLOW.oid, roles: ['SignOut.Request', 'SignOut.Read'] })),
        );
        expect(names(reader)).toEqual([expect.arrayContaining([FIXTURE.serviceBcUserName])]);
    });
});

describe('per-caller limit (CALLER_MAX_USERS_PER_HOUR=5)', () => {
    it('answers 429 with Retry-After past the limit; a repeated request and dry runs do not count', async () => {
        const limited = principal({ oid: 'aaaaaaaa-1111-4222-8333-444455556666', roles: ['SignOut.Request'] });
        const request = (requestId: string, users: string[], dryRun = false) =>
            post('signouts', { requestId, users, reason: 'limit', environments: ['SANDBOX'], dryRun }, limited);
        expect((await callOn(SECURED, 'accept', request('LIMIT-1', [alice.id, dan.id]))).status).toBe(202);
        expect((await callOn(SECURED, 'accept', request('LIMIT-1', [alice.id, dan.id]))).status).toBe(202);
        expect((await callOn(SECURED, 'accept', request('LIMIT-DRY', [alice.id, dan.id], true))).status).toBe(202);
        expect((await callOn(SECURED, 'accept', request('LIMIT-2', [hank.id, erin.id]))).status).toBe(202);
        const over = await callOn(SECURED, 'accept', request('LIMIT-3', [alice.id, dan.id]));
        expect([over.status, codeOf(over)]).toEqual([429, 'caller-limit']);
        expect(Number(over.headers['retry-after'])).toBeGreaterThan(3000);
        expect(await (await auditOf(SECURED)).getRequest('LIMIT-3')).toBeUndefined();
        // One user still fits; another caller has its own count.
        expect((await callOn(SECURED, 'accept', request('LIMIT-4', [erin.id]))).status).toBe(202);
        const other = principal({ oid: 'bbbbbbbb-1111-4222-8333-444455556666', roles: ['SignOut.Request'] });
        const fresh = post(
            'signouts',
            { users: [alice.id, dan.id], reason: 'limit', environments: ['SANDBOX'] },
            other,
        );
        expect((await callOn(SECURED, 'accept', fresh)).status).toBe(202);
    });
    it('does not count users of a request that could not be accepted', async () => {
        const caller = principal({ oid: 'cccccccc-1111-4222-8333-444455556666', roles: ['SignOut.Request'] });
        const request = (requestId: string, users: string[]) =>
            post('signouts', { requestId, users, reason: 'limit', environments: ['SANDBOX'] }, caller);
        // A mistyped protected entry stops every request before it is accepted.
        const typo = { ...SECURED, PROTECTED_USERS: 'breakglass@contoso.com' };
        await expect(callOn(typo, 'accept', request('LIMIT-TYPO', [alice.id, dan.id]))).rejects.toThrow(
            /PROTECTED_USERS/,
        );
        for (const [requestId, users] of [
            ['LIMIT-5', [alice.id, dan.id]],
            ['LIMIT-6', [hank.id, erin.id]],
            ['LIMIT-7', [alice.id]],
        ] as const)
            expect((await callOn(SECURED, 'accept', request(requestId, [...users]))).status).toBe(202);
    });
});

describe('tenants', () => {
    const body = { users: [dan.userPrincipalName], reason: 'partner', tenantId: OTHER_TENANT, dryRun: true };

    it('accepts another tenant only from a caller TENANT_CALLERS pairs with it', async () => {
        const stranger = await callOn(
            SECURED,
            'accept',
            post('signouts', body, principal({ oid: FLOW.oid, roles: ['SignOut.Request'] })),
        );
        expect([stranger.status, codeOf(stranger)]).toEqual([403, 'tenant-not-allowed']);
        // The paired caller passes the tenant check and goes on to guard that tenant, which the simulator does not
        // serve: its credential gets no token there, so nothing is accepted.
        await expect(
            callOn(
                SECURED,
                'accept',
                post('signouts', body, principal({ oid: ADMIN.oid, roles: ['SignOut.Request'] })),
            ),
        ).rejects.toMatchObject({ name: 'AuthenticationFailedError' });
    });

    it('refuses another tenant at acceptance when the service signs in with a managed identity', async () => {
        const MANAGED = {
            WEBSITE_AUTH_ENABLED: 'True',
            AUTH_MODE: 'managed-identity',
            ALLOWED_TENANT_IDS: `${FIXTURE.tenantId},${OTHER_TENANT}`,
            TENANT_CALLERS: `${OTHER_TENANT}=*`,
        };
        const response = await callOn(
            MANAGED,
            'accept',
            post('signouts', body, principal({ oid: ADMIN.oid, roles: ['SignOut.Request'] })),
        );
        expect([response.status, codeOf(response)]).toEqual([403, 'tenant-not-allowed']);
        expect(JSON.stringify(response.body)).toMatch(/managed identity/);
    });
});

it('never logs a principal header', () => {
    expect(logs.filter((log) => log.message.includes('claims'))).toEqual([]);
});
