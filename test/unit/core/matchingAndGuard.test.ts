import { protectionReason, isGuest } from '../../../src/core/engine/guard';
import {
    unmatchedSessionUsers,
    identityFromAutomation,
    identityFromHeuristics,
    sessionBelongsTo,
} from '../../../src/core/engine/matching';
import type { DirectoryUser } from '../../../src/core/ports/directory';

const alice: DirectoryUser = {
    id: 'aaaaaaaa-0000-0000-0000-000000000001',
    userPrincipalName: 'alice@contoso.com',
    mail: 'Alice.Smith@contoso.com',
    userType: 'Member',
    accountEnabled: true,
    signInSessionsValidFromDateTime: null,
};

describe('matching sessions to a person', () => {
    it('maps through the Automation API by contact e-mail (UPN or mail), case-insensitively', () => {
        const identity = identityFromAutomation(alice, [
            { userSecurityId: '1', userName: 'BOB', state: 'Enabled', contactEmail: 'bob@contoso.com' },
            { userSecurityId: '2', userName: 'ASMITH', state: 'Enabled', contactEmail: 'alice.smith@CONTOSO.com' },
        ]);
        expect(identity).toMatchObject({ names: ['ASMITH'], heuristic: false });
    });

    it('finds no one rather than guessing when no BC user has the e-mail', () => {
        expect(
            identityFromAutomation(alice, [{ userSecurityId: '1', userName: 'ALICE', state: 'Enabled' }]).names,
        ).toEqual([]);
    });

    it('falls back to UPN, mail and UPN local part, marked heuristic', () => {
        const identity = identityFromHeuristics(alice);
        expect(identity.heuristic).toBe(true);
        expect(identity.names).toEqual(['ALICE@CONTOSO.COM', 'ALICE.SMITH@CONTOSO.COM', 'ALICE']);
        expect(sessionBelongsTo({ sessionId: 1, userId: 'alice' }, identity.names)).toBe(true);
        expect(sessionBelongsTo({ sessionId: 2, userId: 'ALICE2' }, identity.names)).toBe(false);
    });

    it('lists each session user that matches no one, once', () => {
        const sessions = [
            { sessionId: 1, userId: 'ALICE' },
            { sessionId: 2, userId: 'BOB' },
            { sessionId: 3, userId: 'bob' },
            { sessionId: 4, userId: 'CAROL' },
        ];
        expect(unmatchedSessionUsers(sessions, ['alice'])).toEqual(['BOB', 'CAROL']);
    });
});

describe('guard', () => {
    const policy = {
        protectedUsers: ['BreakGlass@contoso.com'],
        protectedGroupIds: ['g1'],
        serviceIdentityIds: ['svc-id'],
    };

    it('protects listed users by any of their names', () => {
        const breakGlass = { ...alice, userPrincipalName: 'breakglass@contoso.com', mail: null };
        expect(protectionReason('x', breakGlass, policy, [])).toMatch(/protected list/);
    });

    it('protects members of protected groups and fails closed when membership is unknown', () => {
        expect(protectionReason(alice.userPrincipalName, alice, policy, ['G1'])).toMatch(/protected group/);
        expect(protectionReason(alice.userPrincipalName, alice, policy, 'unknown')).toMatch(/could not be checked/);
        expect(protectionReason(alice.userPrincipalName, alice, policy, [])).toBeUndefined();
    });

    it("refuses the service's own identity", () => {
        expect(protectionReason('svc-id', alice, policy, [])).toMatch(/own identity/);
    });

    it('recognises guests by type or #EXT# UPN', () => {
        expect(isGuest({ ...alice, userType: 'Guest' })).toBe(true);
        expect(
            isGuest({ ...alice, userType: null, userPrincipalName: 'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com' }),
        ).toBe(true);
        expect(isGuest(alice)).toBe(false);
    });
});
