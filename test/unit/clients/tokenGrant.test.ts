import { tokenGrant } from '../../../src/clients/identity/tokenGrant';

const jwt = (claims: unknown) =>
    `${Buffer.from('{"typ":"JWT","alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
const OID = '5E6F7A8B-9C0D-4E1F-8A2B-3C4D5E6F7A8B';

describe('tokenGrant', () => {
    it("reads an app-only token's roles and service principal", () => {
        expect(tokenGrant(jwt({ oid: OID, idtyp: 'app', roles: ['User.Read.All', 'AuditLog.Read.All'] }))).toEqual({
            kind: 'application',
            roles: ['User.Read.All', 'AuditLog.Read.All'],
            servicePrincipalId: OID.toLowerCase(),
        });
    });

    it('reads an app granted nothing: no roles claim at all', () => {
        expect(tokenGrant(jwt({ oid: OID, idtyp: 'app' }))).toEqual({
            kind: 'application',
            roles: [],
            servicePrincipalId: OID.toLowerCase(),
        });
    });

    it('keeps only names a permission can have', () => {
        expect(tokenGrant(jwt({ roles: ['User.Read.All', 42, 'x y', `a${'b'.repeat(200)}`] }))).toEqual({
            kind: 'application',
            roles: ['User.Read.All'],
        });
    });

    it('tells a person’s token (scp) from an app’s, whatever roles it carries', () => {
        expect(tokenGrant(jwt({ oid: OID, scp: 'User.Read', roles: ['SignOut.Read'] }))).toEqual({ kind: 'delegated' });
    });

    it.each([
        ['an opaque token', 'c29tZSBvcGFxdWUgdG9rZW4'],
        ['a payload that is not JSON', 'eyJhbGciOiJub25lIn0.bm90IGpzb24.'],
        ['a payload that is a list', jwt(['roles'])],
    ])('cannot read %s', (_case, token) => {
        expect(tokenGrant(token)).toEqual({ kind: 'unreadable' });
    });
});
