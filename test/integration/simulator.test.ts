import { ClientSecretCredential } from '@azure/identity';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import {
    FIXTURE,
    bulkFixture,
    parseUsDateTime,
    startSimulator,
    type SimulatorOptions,
    type TenantSimulator,
} from '../simulator';

// Runs with the test CA trusted: node scripts/with-test-ca.js npx jest test/integration/simulator.test.ts

type Resource = 'graph' | 'bc';

/** A wire payload, inspected field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Wire = any;

interface Answer {
    status: number;
    headers: Headers;
    body: Wire;
}

const { alice, bob, breakglass, carol, dan } = FIXTURE.users;
const PROD = FIXTURE.environments.production;
const ADMIN = '/bc/admin/v2.28/applications/BusinessCentral/environments';
const SESSION_FIELDS = [
    'environmentName',
    'applicationFamily',
    'sessionId',
    'userId',
    'clientType',
    'logOnDate',
    'entryPointOperation',
    'entryPointObjectName',
    'entryPointObjectId',
    'entryPointObjectType',
    'currentObjectName',
    'currentObjectId',
    'currentObjectType',
    'currentOperationDuration',
].sort();

const started: TenantSimulator[] = [];
async function simulator(options?: SimulatorOptions): Promise<TenantSimulator> {
    const sim = await startSimulator(options);
    started.push(sim);
    return sim;
}
afterAll(async () => {
    await Promise.all(started.map((sim) => sim.close()));
});

function credential(sim: TenantSimulator, secret = sim.clientSecret): ClientSecretCredential {
    return new ClientSecretCredential(sim.tenantId, sim.clientId, secret, {
        authorityHost: sim.url,
        disableInstanceDiscovery: true,
    });
}

const tokens = new Map<string, string>();
async function tokenFor(sim: TenantSimulator, resource: Resource): Promise<string> {
    const key = `${sim.url}|${resource}`;
    if (!tokens.has(key)) tokens.set(key, (await credential(sim).getToken(`${sim.url}/${resource}/.default`)).token);
    return tokens.get(key) as string;
}

async function call(
    sim: TenantSimulator,
    method: string,
    path: string,
    options: { resource?: Resource; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token ?? (options.resource ? await tokenFor(sim, options.resource) : undefined);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['Content-Type'] ??= 'application/json';
    const response = await fetch(`${sim.url}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

const graph = (sim: TenantSimulator, method: string, path: string, body?: unknown) =>
    call(sim, method, `/graph/v1.0${path}`, { resource: 'graph', body });
const batch = (sim: TenantSimulator, requests: unknown[]) =>
    call(sim, 'POST', '/graph/v1.0/$batch', { resource: 'graph', body: { requests } });
const bc = (
    sim: TenantSimulator,
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
) => call(sim, method, `/bc${path}`, { resource: 'bc', ...options });

function graphClient(sim: TenantSimulator): Client {
    return Client.initWithMiddleware({
        authProvider: new TokenCredentialAuthenticationProvider(credential(sim), {
            scopes: [`${sim.url}/graph/.default`],
        }),
        baseUrl: `${sim.url}/graph`,
        customHosts: new Set(['127.0.0.1']),
    });
}

async function sessionsOf(sim: TenantSimulator, environment: string): Promise<Array<Record<string, Wire>>> {
    const answer = await bc(
        sim,
        'GET',
        `/admin/v2.28/applications/BusinessCentral/environments/${environment}/sessions`,
    );
    expect(answer.status).toBe(200);
    return answer.body.value;
}

const idsOf = (sessions: Array<Record<string, Wire>>, userId: string) =>
    sessions.filter((session) => session.userId === userId).map((session) => session.sessionId as number);

describe('identity', () => {
    it('serves a discovery document whose issuer has the simulator host and port', async () => {
        const sim = await simulator();
        const answer = await call(sim, 'GET', `/${sim.tenantId}/v2.0/.well-known/openid-configuration`);
        expect(answer.status).toBe(200);
        expect(new URL(answer.body.issuer).host).toBe(new URL(sim.url).host);
        expect(answer.body.token_endpoint).toBe(`${sim.url}/${sim.tenantId}/oauth2/v2.0/token`);
    });

    it('gives the real ClientSecretCredential a token for the Graph resource and records which resource', async () => {
        const sim = await simulator();
        const token = await credential(sim).getToken(`${sim.url}/graph/.default`);
        expect(sim.issuedTokens()).toEqual([token.token]);
        expect(sim.callsTo('identity', 'POST', /oauth2\/v2\.0\/token$/)).toEqual([
            expect.objectContaining({ status: 200, resource: 'graph' }),
        ]);
        expect(sim.settings()).toEqual({
            AZURE_TENANT_ID: FIXTURE.tenantId,
            AZURE_CLIENT_ID: FIXTURE.clientId,
            AZURE_CLIENT_SECRET: FIXTURE.clientSecret,
            AZURE_AUTHORITY_HOST: sim.url,
            GRAPH_ENDPOINT: `${sim.url}/graph`,
            BC_ADMIN_ENDPOINT: `${sim.url}/bc`,
            AUTH_MODE: 'client-secret',
        });
    });

    it('refuses a wrong secret with AADSTS7000215', async () => {
        const sim = await simulator();
        await expect(credential(sim, 'wrong').getToken(`${sim.url}/graph/.default`)).rejects.toThrow(/AADSTS7000215/);
    });

    it('answers an unknown tenant with AADSTS90002 and an unknown resource with AADSTS500011', async () => {
        const sim = await simulator();
        const form = (scope: string) =>
            new URLSearchParams({
                client_id: sim.clientId,
                client_secret: sim.clientSecret,
                grant_type: 'client_credentials',
                scope,
            }).toString();
        const post = (tenant: string, scope: string) =>
            fetch(`${sim.url}/${tenant}/oauth2/v2.0/token`, {
                method: 'POST',
                headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
                body: form(scope),
            });
        const unknownTenant = await post('fabrikam.onmicrosoft.com', `${sim.url}/graph/.default`);
        expect(unknownTenant.status).toBe(400);
        expect(await unknownTenant.json()).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
        const unknownResource = await post(FIXTURE.tenantDomain, `${sim.url}/other/.default`);
        expect(unknownResource.status).toBe(400);
        expect(await unknownResource.json()).toMatchObject({ error: 'invalid_resource', error_codes: [500011] });
    });
});

describe('Graph through the real SDK client', () => {
    it('reads a user with $select; signInSessionsValidFromDateTime only when selected', async () => {
        const sim = await simulator();
        const client = graphClient(sim);
        const selected = await client
            .api(`/users/${encodeURIComponent(alice.userPrincipalName.toUpperCase())}`)
            .select([
                'id',
                'userPrincipalName',
                'mail',
                'userType',
                'accountEnabled',
                'signInSessionsValidFromDateTime',
            ])
            .get();
        expect(selected).toEqual({
            '@odata.context': `${sim.url}/graph/v1.0/$metadata#users(id,userPrincipalName,mail,userType,accountEnabled,signInSessionsValidFromDateTime)/$entity`,
            id: alice.id,
            userPrincipalName: alice.userPrincipalName,
            mail: alice.mail,
            userType: 'Member',
            accountEnabled: true,
            signInSessionsValidFromDateTime: '2024-03-01T08:00:00Z',
        });
        const byDefault = await client.api(`/users/${alice.id}`).get();
        expect(byDefault).toMatchObject({ id: alice.id, displayName: 'Alice Adams', businessPhones: [] });
        expect(byDefault).not.toHaveProperty('signInSessionsValidFromDateTime');
        expect(byDefault).not.toHaveProperty('userType');
    });

    it("finds UPNs with ', + and # when the path segment is encoded", async () => {
        const sim = await simulator();
        const client = graphClient(sim);
        for (const user of [dan, bob]) {
            const found = await client
                .api(`/users/${encodeURIComponent(user.userPrincipalName)}`)
                .select('id')
                .get();
            expect(found.id).toBe(user.id);
        }
        expect(sim.callsTo('graph', 'GET', `/v1.0/users/${bob.userPrincipalName}`)).toHaveLength(1);
    });

    it('answers an unknown user with 404 Request_ResourceNotFound', async () => {
        const sim = await simulator();
        const error = await graphClient(sim)
            .api('/users/nobody@contoso.com')
            .get()
            .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(GraphError);
        expect(error).toMatchObject({ statusCode: 404, code: 'Request_ResourceNotFound' });
    });

    it('revokes sign-in sessions: 200 {"value": true} by default, 204 when chosen', async () => {
        const sim = await simulator();
        const sent = sim.clock.now();
        const answer = await graphClient(sim).api(`/users/${alice.id}/revokeSignInSessions`).post(undefined);
        const answered = sim.clock.now();
        expect(answer).toMatchObject({ value: true });
        const user = sim.state.findUser(alice.id);
        // Revoked while this call was being handled: after it was sent, before its answer arrived.
        expect(user?.revokedAt).toBeGreaterThanOrEqual(sent);
        expect(user?.revokedAt).toBeLessThanOrEqual(answered);
        expect(user?.signInSessionsValidFromDateTime).not.toBe('2024-03-01T08:00:00Z');

        const sim204 = await simulator({ revokeResponse: 204 });
        const raw = await graph(sim204, 'POST', `/users/${alice.id}/revokeSignInSessions`);
        expect(raw).toMatchObject({ status: 204, body: undefined });
    });

    it('blocks sign-in with PATCH accountEnabled; admin-role users answer 403; other properties 400', async () => {
        const sim = await simulator();
        const client = graphClient(sim);
        await client.api(`/users/${alice.id}`).patch({ accountEnabled: false });
        expect(sim.state.findUser(alice.id)?.accountEnabled).toBe(false);
        await expect(client.api(`/users/${breakglass.id}`).patch({ accountEnabled: false })).rejects.toMatchObject({
            statusCode: 403,
            code: 'Authorization_RequestDenied',
        });
        expect((await graph(sim, 'PATCH', `/users/${alice.id}`, { displayName: 'x' })).status).toBe(400);
        const noType = await call(sim, 'PATCH', `/graph/v1.0/users/${alice.id}`, {
            resource: 'graph',
            body: { accountEnabled: true },
            headers: { 'Content-Type': 'text/plain' },
        });
        expect(noType.status).toBe(415);
    });

    it('checks transitive group membership, at most 20 ids', async () => {
        const sim = await simulator();
        const { protectedAdmins, allStaff } = FIXTURE.groups;
        const strangerGroup = '00000000-0000-4000-8000-000000000000';
        const answer = await graphClient(sim)
            .api(`/users/${carol.id}/checkMemberGroups`)
            .post({ groupIds: [protectedAdmins.id, strangerGroup, allStaff.id] });
        expect(answer.value).toEqual([protectedAdmins.id, allStaff.id]);
        const tooMany = Array.from({ length: 21 }, () => strangerGroup);
        expect((await graph(sim, 'POST', `/users/${carol.id}/checkMemberGroups`, { groupIds: tooMany })).status).toBe(
            400,
        );
    });

    it('refuses a BC token, a missing token and an expired token with 401 InvalidAuthenticationToken', async () => {
        const sim = await simulator();
        const bcToken = await tokenFor(sim, 'bc');
        const wrongAudience = await call(sim, 'GET', `/graph/v1.0/users/${alice.id}`, { token: bcToken });
        expect(wrongAudience.status).toBe(401);
        expect(wrongAudience.body.error).toMatchObject({
            code: 'InvalidAuthenticationToken',
            innerError: { 'request-id': expect.any(String), date: expect.any(String) },
        });
        expect(sim.calls.at(-1)).toMatchObject({ service: 'graph', status: 401, resource: 'bc' });
        expect((await call(sim, 'GET', `/graph/v1.0/users/${alice.id}`)).status).toBe(401);
        await tokenFor(sim, 'graph');
        sim.expireTokens();
        expect((await graph(sim, 'GET', `/users/${alice.id}`)).status).toBe(401);
    });

    it('lets the SDK retry a throttled call until it succeeds', async () => {
        const sim = await simulator();
        sim.faults.add({
            service: 'graph',
            path: /^\/v1\.0\/users\/[^/]+$/,
            kind: 'throttle',
            times: 2,
            retryAfterSeconds: 0,
        });
        const user = await graphClient(sim).api(`/users/${alice.id}`).select('id').get();
        expect(user.id).toBe(alice.id);
        expect(sim.callsTo('graph', 'GET').map((c) => c.status)).toEqual([429, 429, 200]);
    });
});

describe('Graph $batch', () => {
    const revoke = (id: string, userId: string) => ({
        id,
        method: 'POST',
        url: `/users/${userId}/revokeSignInSessions`,
    });
    const get = (id: string, userId: string) => ({ id, method: 'GET', url: `/users/${userId}?$select=id` });

    it('refuses more than 20 requests and duplicate ids as a whole', async () => {
        const sim = await simulator();
        const many = Array.from({ length: 21 }, (_, index) => get(String(index + 1), alice.id));
        expect((await batch(sim, many)).status).toBe(400);
        expect((await batch(sim, many.slice(0, 20))).status).toBe(200);
        expect((await batch(sim, [get('1', alice.id), get('1', bob.id)])).status).toBe(400);
    });

    it('answers a /v1.0-prefixed item url 400 while the batch answers 200, in an order other than the request', async () => {
        const sim = await simulator();
        const requests = [
            { id: '1', method: 'GET', url: `/v1.0/users/${alice.id}` },
            get('2', alice.id),
            get('3', bob.id),
            get('4', carol.id),
            get('5', dan.id),
        ];
        const answer = await batch(sim, requests);
        expect(answer.status).toBe(200);
        const responses: Array<Record<string, Wire>> = answer.body.responses;
        expect(responses.map((item) => item.id)).not.toEqual(['1', '2', '3', '4', '5']);
        expect([...responses.map((item) => item.id)].sort()).toEqual(['1', '2', '3', '4', '5']);
        const prefixed = responses.find((item) => item.id === '1');
        expect(prefixed).toMatchObject({ status: 400 });
        expect(prefixed?.body.error.message).toContain("segment 'v1.0'");
        expect(responses.find((item) => item.id === '3')?.body).toMatchObject({ id: bob.id });
        expect(sim.callsTo('graph', 'GET').filter((c) => c.viaBatch)).toHaveLength(5);
        expect(sim.callsTo('graph', 'POST', '/v1.0/$batch')).toEqual([expect.objectContaining({ status: 200 })]);
    });

    it('answers 424 for an item whose dependency failed, and 400 for a body without Content-Type', async () => {
        const sim = await simulator();
        const answer = await batch(sim, [
            revoke('1', 'nobody@contoso.com'),
            { ...revoke('2', alice.id), dependsOn: ['1'] },
            { id: '3', method: 'PATCH', url: `/users/${alice.id}`, body: { accountEnabled: false } },
            {
                id: '4',
                method: 'PATCH',
                url: `/users/${alice.id}`,
                body: { accountEnabled: false },
                headers: { 'Content-Type': 'application/json' },
            },
        ]);
        const byId = new Map<string, Record<string, Wire>>(answer.body.responses.map((item: Wire) => [item.id, item]));
        expect(byId.get('1')).toMatchObject({ status: 404 });
        expect(byId.get('2')).toMatchObject({ status: 424 });
        expect(byId.get('3')).toMatchObject({ status: 400 });
        expect(byId.get('4')).toEqual({ id: '4', status: 204, headers: expect.any(Object) });
        expect(sim.state.findUser(alice.id)?.revokedAt).toBeUndefined();
    });

    it('throttles one item with its own Retry-After header', async () => {
        const sim = await simulator();
        sim.faults.add({
            service: 'graph',
            path: new RegExp(`^/v1\\.0/users/${bob.id}/revokeSignInSessions$`),
            kind: 'throttle',
            retryAfterSeconds: 7,
        });
        const answer = await batch(sim, [revoke('a', alice.id), revoke('b', bob.id)]);
        expect(answer.status).toBe(200);
        const byId = new Map<string, Record<string, Wire>>(answer.body.responses.map((item: Wire) => [item.id, item]));
        expect(byId.get('a')).toMatchObject({ status: 200, body: { value: true } });
        expect(byId.get('b')).toMatchObject({ status: 429, headers: { 'Retry-After': '7' } });
        expect(byId.get('b')?.body.error.code).toBe('TooManyRequests');
        expect(sim.callsTo('graph', 'POST', 'revokeSignInSessions')).toEqual([
            expect.objectContaining({ status: 200, viaBatch: true }),
            expect.objectContaining({ status: 429, viaBatch: true, faults: ['throttle'] }),
        ]);
    });

    it('enforces the write quota on items and direct calls with Retry-After', async () => {
        const sim = await simulator({ graphWriteQuota: { writes: 2, perMs: 60_000 } });
        const answer = await batch(sim, [revoke('1', alice.id), revoke('2', bob.id), revoke('3', carol.id)]);
        const statuses = answer.body.responses.map((item: Wire) => item.status).sort();
        expect(statuses).toEqual([200, 200, 429]);
        const throttled = answer.body.responses.find((item: Wire) => item.status === 429);
        expect(Number(throttled.headers['Retry-After'])).toBeGreaterThan(0);
        const direct = await graph(sim, 'POST', `/users/${dan.id}/revokeSignInSessions`);
        expect(direct.status).toBe(429);
        expect(Number(direct.headers.get('retry-after'))).toBeGreaterThan(0);
        expect((await graph(sim, 'GET', `/users/${dan.id}`)).status).toBe(200);
        sim.clock.advance(60_000);
        expect((await graph(sim, 'POST', `/users/${dan.id}/revokeSignInSessions`)).status).toBe(200);
    });
});

describe('BC Admin Center API', () => {
    it('lists environments for all families and one family; unknown family is applicationTypeDoesNotExist', async () => {
        const sim = await simulator();
        const all = await bc(sim, 'GET', '/admin/v2.28/applications/environments');
        const family = await bc(sim, 'GET', '/admin/v2.21/applications/BusinessCentral/environments');
        expect(all.body.value.map((env: Wire) => env.name)).toEqual(['PRODUCTION', 'SANDBOX', 'UAT', 'OLD-SANDBOX']);
        expect(family.body).toEqual(all.body);
        expect(all.body.value[3]).toMatchObject({
            status: 'SoftDeleted',
            type: 'Sandbox',
            aadTenantId: FIXTURE.tenantId,
        });
        expect(all.body.value[3].softDeletedOn).toEqual(expect.any(String));
        const unknown = await bc(sim, 'GET', '/admin/v2.28/applications/Nav/environments');
        expect(unknown).toMatchObject({ status: 404, body: { code: 'applicationTypeDoesNotExist' } });
    });

    it('gets one environment bare by default; unknown is environmentNotFound with target', async () => {
        const sim = await simulator();
        expect((await bc(sim, 'GET', `${ADMIN.slice(3)}/${PROD}`)).body).toMatchObject({
            name: PROD,
            status: 'Active',
        });
        const missing = await bc(sim, 'GET', `${ADMIN.slice(3)}/NOPE`);
        expect(missing).toMatchObject({
            status: 404,
            body: { code: 'environmentNotFound', target: 'BusinessCentral/NOPE' },
        });
    });

    it('offers the wrapped get-one shape and PascalCase or doc-cased names', async () => {
        const sim = await simulator({ environmentGetShape: 'wrapped', fieldCase: 'pascal' });
        const wrapped = await bc(sim, 'GET', `${ADMIN.slice(3)}/${PROD}`);
        expect(wrapped.body.value).toHaveLength(1);
        expect(wrapped.body.value[0]).toMatchObject({
            Name: PROD,
            Status: 'Active',
            VersionDetails: { Version: '26.3' },
        });
        const [session] = await sessionsOf(sim, PROD);
        expect(Object.keys(session ?? {})).toContain('SessionId');
        expect(Object.keys(session ?? {})).toContain('LogOnDate');

        sim.behaviour.fieldCase = 'doc';
        const old = await bc(sim, 'GET', `${ADMIN.slice(3)}/${FIXTURE.environments.oldSandbox}`);
        expect(old.body.value[0]).toMatchObject({ name: 'OLD-SANDBOX', SoftDeletedOn: expect.any(String) });
        expect(old.body.value[0]).not.toHaveProperty('softDeletedOn');
    });

    it('lists sessions with exactly the documented fields, int ids and a US-style logOnDate', async () => {
        const sim = await simulator();
        const sessions = await sessionsOf(sim, PROD);
        expect(idsOf(sessions, 'ALICE')).toHaveLength(2);
        for (const session of sessions) {
            expect(Object.keys(session).sort()).toEqual(SESSION_FIELDS);
            expect(Number.isInteger(session.sessionId)).toBe(true);
            expect(Number.isInteger(session.currentObjectId)).toBe(true);
            expect(typeof session.entryPointObjectId).toBe('string');
            expect(session.logOnDate).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2}:\d{2} (AM|PM)$/);
            expect(parseUsDateTime(session.logOnDate)).toBeLessThan(sim.clock.now());
        }
    });

    it('gets and deletes one session: 204, then 404', async () => {
        const sim = await simulator();
        const [sessionId] = idsOf(await sessionsOf(sim, PROD), 'ALICE');
        const path = `${ADMIN.slice(3)}/${PROD}/sessions/${sessionId}`;
        expect((await bc(sim, 'GET', path)).body).toMatchObject({ sessionId, userId: 'ALICE' });
        expect((await bc(sim, 'DELETE', path)).status).toBe(204);
        expect((await bc(sim, 'DELETE', path)).status).toBe(404);
        expect((await bc(sim, 'GET', path)).status).toBe(404);
    });

    it('refuses the sessions of a non-active environment', async () => {
        const sim = await simulator();
        const answer = await bc(sim, 'GET', `${ADMIN.slice(3)}/${FIXTURE.environments.oldSandbox}/sessions`);
        expect(answer).toMatchObject({ status: 400, body: { code: 'environmentNotActive' } });
    });

    it('pages sessions with @odata.nextLink when sessionPageSize is set', async () => {
        const sim = await simulator({ sessionPageSize: 4 });
        const seen: number[] = [];
        let next: string | undefined = `${sim.url}${ADMIN}/${PROD}/sessions`;
        while (next) {
            const answer: Answer = await call(sim, 'GET', next.slice(sim.url.length), { resource: 'bc' });
            seen.push(...answer.body.value.map((session: Wire) => session.sessionId));
            next = answer.body['@odata.nextLink'];
        }
        expect(seen).toHaveLength(sim.state.environment(PROD).sessions.length);
        expect(new Set(seen).size).toBe(seen.length);
    });

    it('refuses a Graph token with 401 in the admin error shape', async () => {
        const sim = await simulator();
        const answer = await call(sim, 'GET', ADMIN, { resource: 'graph' });
        expect(answer).toMatchObject({ status: 401, body: { code: 'Unauthorized' } });
    });
});

describe('BC Automation API', () => {
    const api = (environment: string) => `/v2.0/${environment}/api/microsoft/automation/v2.0`;
    const company = FIXTURE.companies[PROD];
    const aliceBc = FIXTURE.bcUserId(PROD, 'ALICE');
    const userPath = `${api(PROD)}/companies(${company})/users(${aliceBc})`;

    it('lists companies (collection, or bare as the doc example) through both APIs', async () => {
        const sim = await simulator();
        const automation = await bc(sim, 'GET', `${api(PROD)}/companies`);
        expect(automation.body.value.map((c: Wire) => c.id)).toContain(company);
        const standard = await bc(sim, 'GET', `/v2.0/${PROD}/api/v2.0/companies`);
        expect(standard.body.value).toHaveLength(2);
        sim.behaviour.companiesShape = 'bare';
        expect((await bc(sim, 'GET', `${api(PROD)}/companies`)).body).toMatchObject({
            id: company,
            name: 'CRONUS USA, Inc.',
        });
    });

    it('lists and gets users with etags', async () => {
        const sim = await simulator();
        const list = await bc(sim, 'GET', `${api(PROD)}/companies(${company})/users`);
        const listed = list.body.value.find((user: Wire) => user.userName === 'ALICE');
        expect(listed).toEqual({
            '@odata.etag': expect.stringMatching(/^W\/".+"$/),
            userSecurityId: aliceBc,
            userName: 'ALICE',
            displayName: 'Alice Adams',
            state: 'Enabled',
            expiryDate: '0001-01-01T00:00:00Z',
            contactEmail: alice.userPrincipalName,
        });
        const one = await bc(sim, 'GET', userPath);
        expect(one.body['@odata.etag']).toBe(listed['@odata.etag']);
        const filtered = await bc(sim, 'GET', `${api(PROD)}/companies(${company})/users?$filter=userName eq 'alice'`);
        expect(filtered.body.value).toHaveLength(1);
    });

    it('PATCH needs If-Match: missing 400, stale 409 (or 412), * 200', async () => {
        const sim = await simulator();
        const before = (await bc(sim, 'GET', userPath)).body['@odata.etag'];
        const disable = { body: { state: 'Disabled' } };
        expect((await bc(sim, 'PATCH', userPath, disable)).status).toBe(400);
        const changed = await bc(sim, 'PATCH', userPath, { ...disable, headers: { 'If-Match': before } });
        expect(changed).toMatchObject({ status: 200, body: { state: 'Disabled', userName: 'ALICE' } });
        expect(changed.body['@odata.etag']).not.toBe(before);
        const stale = await bc(sim, 'PATCH', userPath, { body: { state: 'Enabled' }, headers: { 'If-Match': before } });
        expect(stale).toMatchObject({ status: 409, body: { error: { code: 'Request_EntityChanged' } } });
        sim.behaviour.staleEtagStatus = 412;
        expect(
            (await bc(sim, 'PATCH', userPath, { body: { state: 'Enabled' }, headers: { 'If-Match': before } })).status,
        ).toBe(412);
        const star = await bc(sim, 'PATCH', userPath, { body: { state: 'Enabled' }, headers: { 'If-Match': '*' } });
        expect(star).toMatchObject({ status: 200, body: { state: 'Enabled' } });
        const readOnly = await bc(sim, 'PATCH', userPath, { body: { userName: 'X' }, headers: { 'If-Match': '*' } });
        expect(readOnly.status).toBe(400);
    });

    it('answers 401 Authentication_InvalidCredentials where the app is not registered, 404 for unknown environments', async () => {
        const sim = await simulator();
        const uat = await bc(sim, 'GET', `${api(FIXTURE.environments.uat)}/companies`);
        expect(uat).toMatchObject({ status: 401, body: { error: { code: 'Authentication_InvalidCredentials' } } });
        expect((await bc(sim, 'GET', `${api('NOPE')}/companies`)).status).toBe(404);
    });
});

describe('reality: cancelled sessions come back', () => {
    const cancelFirst = async (sim: TenantSimulator, userId: string) => {
        const [sessionId] = idsOf(await sessionsOf(sim, PROD), userId);
        expect((await bc(sim, 'DELETE', `${ADMIN.slice(3)}/${PROD}/sessions/${sessionId}`)).status).toBe(204);
        return sessionId as number;
    };

    it('comes back after the reconnect delay when nothing was revoked', async () => {
        const sim = await simulator();
        const cancelled = await cancelFirst(sim, 'ALICE');
        expect(idsOf(await sessionsOf(sim, PROD), 'ALICE')).toHaveLength(1);
        sim.clock.advance(60_000);
        const after = idsOf(await sessionsOf(sim, PROD), 'ALICE');
        expect(after).toHaveLength(2);
        expect(after).not.toContain(cancelled);
    });

    it('comes back after revocation while the access-token window is open', async () => {
        const sim = await simulator();
        await graph(sim, 'POST', `/users/${alice.id}/revokeSignInSessions`);
        await graph(sim, 'PATCH', `/users/${alice.id}`, { accountEnabled: false });
        await cancelFirst(sim, 'ALICE');
        sim.materialiseReconnects();
        expect(idsOf(await sessionsOf(sim, PROD), 'ALICE')).toHaveLength(2);
    });

    it('does not come back once the window has closed', async () => {
        const sim = await simulator();
        await graph(sim, 'POST', `/users/${alice.id}/revokeSignInSessions`);
        await cancelFirst(sim, 'ALICE');
        sim.clock.advance(91 * 60_000);
        expect(idsOf(await sessionsOf(sim, PROD), 'ALICE')).toHaveLength(1);
    });

    it('does not come back when the BC user is disabled', async () => {
        const sim = await simulator();
        const path = `/v2.0/${PROD}/api/microsoft/automation/v2.0/companies(${FIXTURE.companies[PROD]})/users(${FIXTURE.bcUserId(PROD, 'ALICE')})`;
        await bc(sim, 'PATCH', path, { body: { state: 'Disabled' }, headers: { 'If-Match': '*' } });
        await cancelFirst(sim, 'ALICE');
        sim.materialiseReconnects();
        expect(idsOf(await sessionsOf(sim, PROD), 'ALICE')).toHaveLength(1);
    });

    it('comes back for a guest even after revocation and the window', async () => {
        const sim = await simulator();
        await graph(sim, 'POST', `/users/${encodeURIComponent(bob.userPrincipalName)}/revokeSignInSessions`);
        await cancelFirst(sim, 'BOB');
        sim.clock.advance(120 * 60_000);
        expect(idsOf(await sessionsOf(sim, PROD), 'BOB')).toHaveLength(1);
    });

    it('adds new sessions on demand', async () => {
        const sim = await simulator();
        const session = sim.addSession(PROD, 'ALICE', 'WebServiceClient');
        expect(idsOf(await sessionsOf(sim, PROD), 'ALICE')).toContain(session.sessionId);
    });
});

describe('fault injection', () => {
    it('applies a latency rule only to the matching route', async () => {
        const sim = await simulator();
        sim.faults.add({
            service: 'graph',
            path: /^\/v1\.0\/users\/[^/]+\/revokeSignInSessions$/,
            kind: 'latency',
            latencyMs: 20,
        });
        await graph(sim, 'GET', `/users/${alice.id}`);
        await graph(sim, 'POST', `/users/${alice.id}/revokeSignInSessions`);
        expect(sim.callsTo('graph').map((c) => c.faults)).toEqual([undefined, ['latency']]);
    });

    it('throttles the first two calls, then lets them through', async () => {
        const sim = await simulator();
        sim.faults.add({ service: 'bc-admin', method: 'GET', kind: 'throttle', times: 2, retryAfterSeconds: 3 });
        const first = await bc(sim, 'GET', '/admin/v2.28/applications/environments');
        expect(first.status).toBe(429);
        expect(first.headers.get('retry-after')).toBe('3');
        expect((await bc(sim, 'GET', '/admin/v2.28/applications/environments')).status).toBe(429);
        expect((await bc(sim, 'GET', '/admin/v2.28/applications/environments')).status).toBe(200);
    });

    it('answers a status fault in the service error shape', async () => {
        const sim = await simulator();
        sim.faults.add({ service: 'bc-automation', kind: 'status', status: 503, retryAfterSeconds: 2, times: 1 });
        const answer = await bc(sim, 'GET', `/v2.0/${PROD}/api/v2.0/companies`);
        expect(answer).toMatchObject({ status: 503, body: { error: { code: 'ServiceUnavailable' } } });
        expect(answer.headers.get('retry-after')).toBe('2');
    });

    it('drops the connection without an answer, also for a batch item', async () => {
        const sim = await simulator();
        sim.faults.add({ service: 'bc-admin', kind: 'drop', times: 1 });
        await expect(bc(sim, 'GET', '/admin/v2.28/applications/environments')).rejects.toThrow();
        expect(sim.callsTo('bc-admin')).toEqual([expect.objectContaining({ status: 0, faults: ['drop'] })]);
        await graph(sim, 'GET', `/users/${alice.id}`); // a token first, so only the batch is dropped
        sim.faults.add({ service: 'graph', path: /checkMemberGroups$/, kind: 'drop', times: 1 });
        await expect(
            batch(sim, [
                { id: '1', method: 'GET', url: `/users/${alice.id}` },
                {
                    id: '2',
                    method: 'POST',
                    url: `/users/${alice.id}/checkMemberGroups`,
                    body: { groupIds: [] },
                    headers: { 'Content-Type': 'application/json' },
                },
            ]),
        ).rejects.toThrow();
    });

    it('applies a rate deterministically', async () => {
        const outcomes: number[][] = [];
        for (let run = 0; run < 2; run++) {
            const sim = await simulator();
            sim.faults.add({ service: 'bc-admin', kind: 'status', status: 500, rate: 0.5 });
            const statuses: number[] = [];
            for (let i = 0; i < 8; i++)
                statuses.push((await bc(sim, 'GET', '/admin/v2.28/applications/environments')).status);
            outcomes.push(statuses);
        }
        expect(outcomes[0]).toEqual(outcomes[1]);
        expect(outcomes[0]).toContain(500);
        expect(outcomes[0]).toContain(200);
    });
});

describe('Business Central concurrency', () => {
    it('answers 429 with Retry-After to a call over the limit in its environment, and serves the others', async () => {
        const sim = await simulator({ bcConcurrencyPerEnvironment: 2, latencyMs: 100 });
        await tokenFor(sim, 'bc');
        const list = (environment: string) =>
            bc(sim, 'GET', `/admin/v2.28/applications/BusinessCentral/environments/${environment}/sessions`);
        const answers = await Promise.all([
            list('PRODUCTION'),
            list('PRODUCTION'),
            list('PRODUCTION'),
            list('SANDBOX'),
        ]);
        expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 429]);
        const throttled = answers.find((answer) => answer.status === 429);
        expect(throttled?.headers.get('retry-after')).toBe('1');
        // Once the others are answered, there is room again.
        expect((await list('PRODUCTION')).status).toBe(200);
    });
});

describe('bulk fixture', () => {
    it('builds 1,000 users quickly and serves their sessions', async () => {
        const fixture = bulkFixture(1000);
        expect(fixture.users).toHaveLength(1001); // and the break-glass account
        expect(fixture.environments.map((env) => env.sessions.length)).toEqual([2000, 2000, 2000]);
        const sim = await simulator({ fixture });
        expect(await sessionsOf(sim, 'UAT')).toHaveLength(2000);
    });
});
