import { tokenIdentity } from '../../../src/clients/identity/tokenIdentity';

const jwt = (claims: unknown) =>
    `${Buffer.from('{"typ":"JWT","alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
const OID = '5E6F7A8B-9C0D-4E1F-8A2B-3C4D5E6F7A8B';
const APP = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

describe('tokenIdentity', () => {
    it('reads a user token: object id, app id, UPN', () => {
        expect(tokenIdentity(jwt({ oid: OID, appid: APP, upn: 'admin@contoso.com' }))).toEqual({
            objectId: OID.toLowerCase(),
            appId: APP,
            userPrincipalName: 'admin@contoso.com',
        });
    });

    it('reads an app-only token, and a v2 token naming its client in azp', () => {
        expect(tokenIdentity(jwt({ oid: OID, azp: APP, idtyp: 'app' }))).toEqual({
            objectId: OID.toLowerCase(),
            appId: APP,
        });
    });

    it.each([
        ['an opaque token', 'c29tZSBvcGFxdWUgdG9rZW4'],
        ['a payload that is not JSON', 'eyJhbGciOiJub25lIn0.bm90IGpzb24.'],
        ['no object or app id', jwt({ sub: 'x' })],
        ['ids that are not GUIDs', jwt({ oid: "x' or 1 eq 1", appid: 'app' })],
    ])('knows nobody from %s', (_case, token) => {
        expect(tokenIdentity(token)).toBeUndefined();
    });

    it('drops a name it could not show safely', () => {
        expect(tokenIdentity(jwt({ oid: OID, upn: 'admin@contoso.com\u202e\n' }))).toEqual({
            objectId: OID.toLowerCase(),
        });
    });
});
