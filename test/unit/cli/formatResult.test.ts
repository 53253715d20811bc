import { formatResult, formatSummary } from '../../../src/cli/formatResult';
import { combineProblems, formatProblems } from '../../../src/cli/requestProblems';
import type { SignOutResult } from '../../../src/core/result';

const at = '2030-01-01T10:00:00.000Z';
const result: SignOutResult = {
    requestId: 'cli-1',
    status: 'partial',
    dryRun: false,
    startedAt: at,
    finishedAt: at,
    users: [
        {
            user: 'alice@contoso.com',
            outcome: 'processed',
            systems: [
                { system: 'entra.revoke', status: 'succeeded', at },
                {
                    system: 'entra.block',
                    status: 'succeeded',
                    at,
                    holdUntil: '2030-01-01T12:00:00.000Z',
                    prior: 'true',
                },
                {
                    system: 'bc.UAT.sessions',
                    status: 'succeeded',
                    at,
                    heuristic: true,
                    counts: { found: 2, cancelled: 2, alreadyGone: 0, residual: 0 },
                },
            ],
        },
        {
            user: 'breakglass@contoso.onmicrosoft.com',
            outcome: 'protected',
            detail: 'protected: listed in PROTECTED_USERS; nothing was changed',
            systems: [{ system: 'entra.revoke', status: 'protected', at }],
        },
    ],
    environments: [
        { name: 'UAT', status: 'succeeded' },
        { name: 'OLD-SANDBOX', status: 'skipped', code: 'environment-not-active' },
    ],
    residualRisk: { notes: ['Access tokens issued before the revocation stay valid until about 11:30.'] },
};

describe('formatResult', () => {
    it('shows each user, system and environment, and what remains', () => {
        expect(formatSummary(result)).toBe(
            `Request cli-1: partial; 2 users: 1 processed, 1 protected; ran ${at} to ${at}`,
        );
        expect(formatResult(result)).toEqual([
            '',
            'alice@contoso.com: processed',
            '  entra.revoke               succeeded',
            '  entra.block                succeeded  until 2030-01-01T12:00:00.000Z',
            '  bc.UAT.sessions            succeeded  found 2, cancelled 2, residual 0 [heuristic match]',
            '',
            'breakglass@contoso.onmicrosoft.com: protected (protected: listed in PROTECTED_USERS; nothing was changed)',
            '  entra.revoke               protected',
            '',
            'Environments:',
            '  UAT            succeeded',
            '  OLD-SANDBOX    skipped (environment-not-active)',
            '',
            'What remains:',
            '  - Access tokens issued before the revocation stay valid until about 11:30.',
        ]);
    });
});

describe('request problems', () => {
    it('point at the option and show the user it is about', () => {
        const input = { users: ['alice@contoso.com', 'not a user'] };
        expect(
            formatProblems(
                [
                    { field: 'users[1]', reason: 'must be a user principal name' },
                    { field: 'actions.disableBcUser.until', reason: 'must be in the future' },
                    { field: 'actions', reason: 'must ask for at least one action' },
                    { field: '--block', reason: 'bad' },
                ],
                input,
            ),
        ).toEqual([
            '  users[1] "not a user": must be a user principal name',
            '  actions.disableBcUser.until (--disable-bc): must be in the future',
            '  actions (--no-revoke/--no-cancel): must ask for at least one action',
            '  --block: bad',
        ]);
    });

    it('do not repeat what an option problem already says', () => {
        expect(
            combineProblems(
                [{ field: '--reason', reason: 'is required' }],
                [
                    { field: 'reason', reason: 'expected string' },
                    { field: 'users', reason: 'must name at least one user' },
                ],
            ).map((p) => p.field),
        ).toEqual(['--reason', 'users']);
    });
});
