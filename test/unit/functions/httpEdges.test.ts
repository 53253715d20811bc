import { HttpRequest } from '@azure/functions';
import { authorizeWith, type AuthorizationSettings } from '../../../src/functions/http/authorize';
import { readJsonBody, MAX_BODY_BYTES } from '../../../src/functions/http/readJsonBody';
import { parseHistoryParameters } from '../../../src/functions/listSignOuts';
import { withoutCallbackSecrets } from '../../../src/core/service/publicRecord';

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    new HttpRequest({ method: 'POST', url: 'https://fn.example/api/signouts', body: { string: body }, headers });

const principal = (claims: { typ: string; val: string }[]) =>
    Buffer.from(JSON.stringify({ auth_typ: 'aad', claims })).toString('base64');

describe('readJsonBody', () => {
    it('reads JSON', async () => {
        expect(await readJsonBody(post('{"a":1}'))).toEqual({ ok: true, value: { a: 1 } });
    });

    it.each([
        ['not JSON content type', post('{}', { 'content-type': 'text/plain' }), 415],
        ['broken JSON', post('{"a":'), 400],
        ['too large', post(JSON.stringify({ a: 'x'.repeat(MAX_BODY_BYTES) })), 413],
    ])('answers %s with its status, naming the field and why', async (_, request, status) => {
        const result = await readJsonBody(request);
        expect(result.ok ? 200 : result.response.status).toBe(status);
        expect(result.ok ? [] : (result.response.jsonBody as { error: { details: unknown[] } }).error.details).toEqual([
            { field: expect.any(String), reason: expect.any(String) },
        ]);
    });
});

describe('authorizeWith', () => {
    const FLOW = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const get = (headers: Record<string, string>) =>
        new HttpRequest({ method: 'GET', url: 'https://fn.example/api/signouts', headers });
    const on: AuthorizationSettings = {
        authenticationEnabled: true,
        authenticationRequired: true,
        allowedCallerIds: [],
    };
    const statusOf = (result: ReturnType<typeof authorizeWith>) => (result.ok ? 200 : result.response.status);

    it('takes the caller from the App Service client principal', () => {
        const header = principal([
            { typ: 'oid', val: FLOW.toUpperCase() },
            { typ: 'name', val: 'Flow' },
            { typ: 'roles', val: 'SignOut.Read' },
        ]);
        expect(authorizeWith(get({ 'x-ms-client-principal': header }), 'SignOut.Read', on)).toEqual({
            ok: true,
            caller: {
                kind: 'app-service-auth',
                id: FLOW,
                objectId: FLOW,
                name: 'Flow',
                roles: ['SignOut.Read'],
                verified: true,
            },
        });
    });

    it('trusts the header only with App Service authentication on', () => {
        const header = principal([
            { typ: 'oid', val: FLOW },
            { typ: 'roles', val: 'SignOut.Read' },
        ]);
        const off = { ...on, authenticationEnabled: false, authenticationRequired: false };
        expect(statusOf(authorizeWith(get({ 'x-ms-client-principal': header }), 'SignOut.Read', off))).toBe(401);
        expect(statusOf(authorizeWith(get({ 'x-ms-client-principal': header }), 'public', off))).toBe(401);
        expect(statusOf(authorizeWith(get({}), 'SignOut.Read', off))).toBe(200);
        expect(statusOf(authorizeWith(get({}), 'SignOut.Read', on))).toBe(401);
        expect(statusOf(authorizeWith(get({}), 'public', on))).toBe(200);
    });

    it('answers 403 without the role, or outside the allow-list; a key-only caller is outside any list', () => {
        const header = principal([
            { typ: 'oid', val: FLOW },
            { typ: 'roles', val: 'SignOut.Request' },
        ]);
        const refused = authorizeWith(get({ 'x-ms-client-principal': header }), 'SignOut.Read', on);
        expect(statusOf(refused)).toBe(403);
        expect(refused.ok ? undefined : refused.response.jsonBody).toMatchObject({
            error: {
                code: 'role-required',
                details: [{ field: 'roles', reason: expect.stringContaining('SignOut.Read') }],
            },
        });
        const listed = { ...on, allowedCallerIds: ['11111111-1111-4111-8111-111111111111'] };
        expect(statusOf(authorizeWith(get({ 'x-ms-client-principal': header }), 'SignOut.Request', listed))).toBe(403);
        const keyOnly = { ...listed, authenticationRequired: false };
        expect(statusOf(authorizeWith(get({}), 'SignOut.Request', keyOnly))).toBe(403);
    });

    it('answers 401 to a principal it cannot read', () => {
        expect(statusOf(authorizeWith(get({ 'x-ms-client-principal': 'not-base64-json' }), 'SignOut.Read', on))).toBe(
            401,
        );
    });
});

describe('history parameters', () => {
    it('names each bad parameter', () => {
        const parsed = parseHistoryParameters(
            new URLSearchParams('user=x%27%20or%201%3D1&from=yesterday&pageSize=1000&continuationToken=a%2Fb'),
        );
        expect(parsed.ok ? [] : parsed.problems.map((p) => p.field)).toEqual([
            'user',
            'from',
            'continuationToken',
            'pageSize',
        ]);
    });

    it('passes good ones through', () => {
        const parsed = parseHistoryParameters(
            new URLSearchParams('user=alice@contoso.com&from=2026-01-01T00:00:00Z&pageSize=10'),
        );
        expect(parsed).toEqual({
            ok: true,
            user: 'alice@contoso.com',
            query: { from: new Date('2026-01-01T00:00:00Z'), pageSize: 10 },
        });
    });
});

describe('withoutCallbackSecrets', () => {
    it("hides a callback URL's query, where Power Automate keeps its signature", () => {
        const shown = withoutCallbackSecrets({
            callbackUrl: 'https://prod-1.logic.azure.com/workflows/1/run?sig=SECRET',
        } as never);
        expect(shown.callbackUrl).toBe('https://prod-1.logic.azure.com/workflows/1/run?…');
    });
});
