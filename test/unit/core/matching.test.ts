import { isGuest } from '../../../src/core/engine/guard';
import {
    automationAnswerOf,
    indexSessions,
    sessionIdentity,
    sessionsNamed,
    unmatchedSessionUsers,
    type LocalPartOwners,
} from '../../../src/core/engine/matching';
import { ServiceError, TransientServiceError } from '../../../src/core/errors';
import type { BcUser } from '../../../src/core/ports/businessCentral';
import type { DirectoryUser } from '../../../src/core/ports/directory';

const alice: DirectoryUser = {
    id: 'aaaaaaaa-0000-0000-0000-000000000001',
    userPrincipalName: 'alice@contoso.com',
    mail: 'Alice.Smith@contoso.com',
    userType: 'Member',
    accountEnabled: true,
    signInSessionsValidFromDateTime: null,
};
const bcUser = (userName: string, contactEmail?: string): BcUser => ({
    userSecurityId: `id-${userName}`,
    userName,
    state: 'Enabled',
    ...(contactEmail && { contactEmail }),
});
const index = (...userIds: string[]) => indexSessions(userIds.map((userId, i) => ({ sessionId: i + 1, userId })));
const users = (...list: BcUser[]) => automationAnswerOf(list);
const refused = automationAnswerOf(new ServiceError('bc-automation', 401, 'Authentication_InvalidCredentials', 'x'));
const nobodyElse: LocalPartOwners = new Map([['alice', [alice]]]);

describe('whose sessions are whose', () => {
    it('maps through the Automation API by contact e-mail (UPN or mail), case-insensitively', () => {
        const identity = sessionIdentity(
            alice,
            index('ASMITH'),
            users(bcUser('BOB', 'bob@contoso.com'), bcUser('ASMITH', 'alice.smith@CONTOSO.com')),
        );
        expect(identity).toMatchObject({ kind: 'mapped', names: ['ASMITH'] });
    });

    it('refuses to pick between two BC users with the same e-mail', () => {
        const identity = sessionIdentity(
            alice,
            index('ALICE'),
            users(bcUser('ALICE', 'alice@contoso.com'), bcUser('ALICE-TEMP', 'Alice.Smith@contoso.com')),
        );
        expect(identity).toEqual({ kind: 'ambiguous', candidates: ['ALICE', 'ALICE-TEMP'] });
    });

    it('reports sessions under the person’s names that no BC user maps to them, instead of matching them', () => {
        const identity = sessionIdentity(
            alice,
            index('ALICE', 'BOB'),
            users(bcUser('ALICE', 'a.adams@contoso.com')),
            nobodyElse,
        );
        expect(identity).toEqual({ kind: 'unmapped', sessionNames: ['ALICE'] });
        expect(sessionIdentity(alice, index('BOB'), users())).toEqual({ kind: 'none' });
    });

    it('reports sessions under a local part another person shares, too: they may be this person’s, and stay', () => {
        const owners: LocalPartOwners = new Map([
            ['alice', [alice, { id: 'other', userPrincipalName: 'alice@fabrikam.com', mail: null }]],
        ]);
        expect(sessionIdentity(alice, index('ALICE'), users(bcUser('BOB', 'bob@contoso.com')), owners)).toEqual({
            kind: 'unmapped',
            sessionNames: ['ALICE'],
        });
    });

    it('never guesses when the Automation API failed for any reason but authorisation', () => {
        const throttled = new TransientServiceError('bc-automation', 429, 'http-429', 'x', undefined);
        const credentials = new ServiceError('identity', 401, 'AADSTS7000215', 'x');
        for (const error of [throttled, credentials, new ServiceError('bc-automation', 500, 'http-500', 'x')])
            expect(sessionIdentity(alice, index('ALICE'), automationAnswerOf(error))).toEqual({
                kind: 'unavailable',
                error,
            });
    });

    it('where the app is not authorised, matches UPN, mail and a UPN local part no one else has', () => {
        const identity = sessionIdentity(alice, index('ALICE'), refused, nobodyElse);
        expect(identity).toEqual({
            kind: 'heuristic',
            names: ['ALICE@CONTOSO.COM', 'ALICE.SMITH@CONTOSO.COM', 'ALICE'],
            unsure: [],
        });
    });

    it('never matches a local part another Entra user also has, and says who else it could mean', () => {
        const owners: LocalPartOwners = new Map([
            ['alice', [alice, { id: 'other', userPrincipalName: 'alice@fabrikam.com', mail: null }]],
        ]);
        expect(sessionIdentity(alice, index('ALICE'), refused, owners)).toEqual({
            kind: 'heuristic',
            names: ['ALICE@CONTOSO.COM', 'ALICE.SMITH@CONTOSO.COM'],
            unsure: [{ name: 'ALICE', alsoMeans: ['alice@fabrikam.com'] }],
        });
    });

    it('does not look the local part up unless a session runs under it', () => {
        const identity = sessionIdentity(alice, index('BOB'), refused);
        expect(identity).toEqual({
            kind: 'heuristic',
            names: ['ALICE@CONTOSO.COM', 'ALICE.SMITH@CONTOSO.COM'],
            unsure: [],
        });
    });

    it('finds sessions by name through the index, and lists each unmatched session user once', () => {
        const sessions = index('ALICE', 'bob', 'BOB', 'CAROL');
        expect(sessionsNamed(sessions, ['alice', 'BOB']).map((s) => s.sessionId)).toEqual([1, 2, 3]);
        expect(unmatchedSessionUsers(sessions, ['alice'])).toEqual(['BOB', 'CAROL']);
    });

    it('recognises guests by type or #EXT# UPN', () => {
        expect(isGuest({ ...alice, userType: 'Guest' })).toBe(true);
        expect(
            isGuest({ ...alice, userType: null, userPrincipalName: 'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com' }),
        ).toBe(true);
        expect(isGuest(alice)).toBe(false);
    });
});
