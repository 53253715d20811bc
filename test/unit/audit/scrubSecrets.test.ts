import { REDACTED, scrubText, scrubValue } from '../../../src/clients/audit/scrubSecrets';

const JWT =
    'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('scrubText', () => {
    it.each([
        [`token ${JWT} expired`, JWT],
        [`Authorization: Bearer abc.DEF-123_xyz==`, 'abc.DEF-123_xyz'],
        ['grant_type=client_credentials&client_secret=s3cr3t~value&scope=x', 's3cr3t~value'],
        ['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy+/==;EndpointSuffix=x', 'Zm9vYmFy'],
        ['{"client_secret": "p\\"w", "other": 1}', 'p\\"w'],
        ['https://x.blob.core.windows.net/c?sv=2020&sig=AbC%2Bdef', 'AbC%2Bdef'],
    ])('redacts the secret in %j', (text, secret) => {
        const scrubbed = scrubText(text);
        expect(scrubbed).not.toContain(secret);
        expect(scrubbed).toContain(REDACTED);
    });

    it.each([
        'BC session 4711 of keyJar@contoso.com cancelled (design=ok)',
        'user eyJosephine.k@contoso.com not found',
        'half a token eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9 is no token',
    ])('leaves ordinary text alone: %j', (text) => {
        expect(scrubText(text)).toBe(text);
    });

    it('keeps JSON in a text parseable', () => {
        const text = JSON.stringify({ error: { message: `bad token ${JWT}`, password: 'x"y' } });
        expect(() => JSON.parse(scrubText(text))).not.toThrow();
    });
});

describe('scrubValue', () => {
    it('scrubs nested strings and blanks members named like secrets', () => {
        expect(
            scrubValue({
                detail: `got ${JWT}`,
                nested: [{ clientSecret: 'x', password: 'p', token: 't', count: 3, tokensMayReconnectUntil: 'z' }],
            }),
        ).toEqual({
            detail: `got ${REDACTED}`,
            nested: [
                { clientSecret: REDACTED, password: REDACTED, token: REDACTED, count: 3, tokensMayReconnectUntil: 'z' },
            ],
        });
    });
});

describe('scrubValue never rewrites user names, environment names or reasons', () => {
    it('leaves members naming users, environments and why as they are', () => {
        const value = {
            user: 'eyJosephine.k@contoso.com',
            users: [`${JWT.slice(0, 40)}@contoso.com`],
            environments: ['eyJProduction'],
            reason: 'Rotate: password=hunter2 leaked',
            detail: `echoed ${JWT}`,
        };
        expect(scrubValue(value)).toEqual({ ...value, detail: `echoed ${REDACTED}` });
    });
});
