import { HttpRequest } from '@azure/functions';
import { callerOf } from '../../../src/functions/http/caller';
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
    ])('answers %s with %i', async (_, request, status) => {
        const result = await readJsonBody(request);
        expect(result.ok ? 200 : result.response.status).toBe(status);
    });
});

describe('callerOf', () => {
    const get = (headers: Record<string, string>) =>
        new HttpRequest({ method: 'GET', url: 'https://fn.example/api/health', headers });

    it('takes the caller from the App Service client principal', () => {
        const result = callerOf(
            get({
                'x-ms-client-principal': principal([
                    { typ: 'oid', val: 'abc' },
                    { typ: 'name', val: 'Flow' },
                ]),
            }),
            [],
        );
        expect(result).toEqual({ ok: true, caller: { kind: 'app-service-auth', id: 'abc', name: 'Flow' } });
    });

    it('answers 403 to a caller outside the allow-list, and to a key-only caller when a list is set', () => {
        const other = callerOf(get({ 'x-ms-client-principal': principal([{ typ: 'oid', val: 'someone' }]) }), ['abc']);
        expect(other.ok ? 0 : other.response.status).toBe(403);
        const keyOnly = callerOf(get({}), ['abc']);
        expect(keyOnly.ok ? 0 : keyOnly.response.status).toBe(403);
    });

    it('answers 401 to a principal it cannot read', () => {
        const result = callerOf(get({ 'x-ms-client-principal': 'not-base64-json' }), []);
        expect(result.ok ? 0 : result.response.status).toBe(401);
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
