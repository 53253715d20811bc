import { runSignOut, type EngineSettings } from '../../../src/core/engine/signOutEngine';
import { parseSignOutRequest, type SignOutRequest } from '../../../src/core/request/signOutRequest';
import type { UserResult } from '../../../src/core/result';
import { TransientServiceError } from '../../../src/core/errors';
import { FakeTenant, MemoryHolds, MemoryJournal, protectedSetFor } from '../../support/fakeTenant';

const TENANT = '11111111-1111-1111-1111-111111111111';
const ALICE = 'aaaaaaaa-0000-0000-0000-000000000001';
const GUEST = 'aaaaaaaa-0000-0000-0000-000000000002';
const ADMIN = 'aaaaaaaa-0000-0000-0000-000000000003';
const GROUPED = 'aaaaaaaa-0000-0000-0000-000000000004';

const PROTECTED_GROUP = '99999999-0000-0000-0000-000000000000';
const settings: EngineSettings = {
    accessTokenWindowMinutes: 90,
};

function tenant(): FakeTenant {
    const t = new FakeTenant();
    const user = (id: string, upn: string, extra = {}) => ({
        id,
        userPrincipalName: upn,
        mail: upn,
        userType: 'Member',
        accountEnabled: true,
        signInSessionsValidFromDateTime: null,
        ...extra,
    });
    t.users = [
        user(ALICE, 'alice@contoso.com'),
        user(GUEST, 'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com', { userType: 'Guest', mail: 'bob@fabrikam.com' }),
        user(ADMIN, 'breakglass@contoso.com'),
        user(GROUPED, 'carol@contoso.com'),
    ];
    t.groups.set(GROUPED, [PROTECTED_GROUP]);
    t.groupNames.set(PROTECTED_GROUP, 'Finance admins');
    t.environments = ['PROD', 'SANDBOX', 'UAT'].map((name) => ({
        name,
        applicationFamily: 'BusinessCentral',
        status: 'Active',
    }));
    t.environments.push({ name: 'OLD', applicationFamily: 'BusinessCentral', status: 'SoftDeleted' });
    let id = 100;
    for (const env of ['PROD', 'SANDBOX', 'UAT']) {
        t.sessions.set(env, [
            { sessionId: id++, userId: 'ALICE' },
            { sessionId: id++, userId: 'ALICE' },
            { sessionId: id++, userId: 'BOB' },
            { sessionId: id++, userId: 'BREAKGLASS' },
            { sessionId: id++, userId: 'STRANGER' },
        ]);
        t.bcUsers.set(env, [
            {
                userSecurityId: `${env}-alice`,
                userName: 'ALICE',
                state: 'Enabled',
                contactEmail: 'alice@contoso.com',
                etag: 'W/"1"',
            },
            { userSecurityId: `${env}-bob`, userName: 'BOB', state: 'Enabled', contactEmail: 'bob@fabrikam.com' },
            {
                userSecurityId: `${env}-bg`,
                userName: 'BREAKGLASS',
                state: 'Enabled',
                contactEmail: 'breakglass@contoso.com',
            },
        ]);
    }
    return t;
}

function request(overrides: Record<string, unknown> = {}): SignOutRequest {
    const parsed = parseSignOutRequest(
        { users: ['alice@contoso.com'], reason: 'incident 42', ...overrides },
        { maxUsers: 500, defaultTenantId: TENANT, allowedTenantIds: [TENANT], callbackHosts: [] },
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    return parsed.value;
}

async function run(t: FakeTenant, req: SignOutRequest, journal = new MemoryJournal(), holds = new MemoryHolds()) {
    const protectedSet = await protectedSetFor(t, { users: ['breakglass@contoso.com'], groups: [PROTECTED_GROUP] });
    const result = await runSignOut(
        req,
        { directory: t, bcAdmin: t, bcAutomation: t, journal, holds, protectedSet },
        settings,
    );
    return { result, journal, holds };
}

const system = (user: UserResult | undefined, name: string) => user?.systems.find((s) => s.system === name);

describe('runSignOut', () => {
    it('revokes, then cancels and verifies the user’s sessions in every active environment, leaving others alone', async () => {
        const t = tenant();
        const { result, holds } = await run(t, request());
        const alice = result.users[0];
        expect(result.status).toBe('completed');
        expect(system(alice, 'entra.revoke')?.status).toBe('succeeded');
        for (const env of ['PROD', 'SANDBOX', 'UAT'])
            expect(system(alice, `bc.${env}.sessions`)).toMatchObject({
                status: 'succeeded',
                counts: { found: 2, cancelled: 2, residual: 0 },
            });
        expect(system(alice, 'bc.OLD.sessions')).toMatchObject({ status: 'skipped', code: 'environment-not-active' });
        for (const env of ['PROD', 'SANDBOX', 'UAT'])
            expect(t.sessions.get(env)?.map((s) => s.userId)).toEqual(['BOB', 'BREAKGLASS', 'STRANGER']);
        expect(alice?.bcUserNames).toEqual({ PROD: 'ALICE', SANDBOX: 'ALICE', UAT: 'ALICE' });
        expect(holds.watches).toHaveLength(1);
        expect(holds.watches[0]).toMatchObject({
            objectId: ALICE,
            environments: ['PROD', 'SANDBOX', 'UAT'],
            identities: { PROD: { names: ['ALICE'], source: 'automation' } },
        });
        expect(result.residualRisk.tokensMayReconnectUntil).toBeDefined();
        expect(result.residualRisk.watchUntil).toBe(holds.watches[0]?.until);
    });

    it('lists sessions once per environment for all users, then once more to verify', async () => {
        const t = tenant();
        await run(t, request({ users: ['alice@contoso.com', GUEST] }));
        expect(t.calls.filter((c) => c === 'listSessions PROD')).toHaveLength(2);
        expect(t.calls.filter((c) => c === 'listEnvironments')).toHaveLength(1);
    });

    it('never changes protected users, by list or by group, and says what it did not do', async () => {
        const t = tenant();
        const { result } = await run(
            t,
            request({
                users: ['breakglass@contoso.com', 'carol@contoso.com'],
                actions: { blockSignIn: { mode: 'permanent' } },
            }),
        );
        expect(result.users.map((u) => u.outcome)).toEqual(['protected', 'protected']);
        expect(result.users[0]?.systems.every((s) => s.status === 'protected')).toBe(true);
        expect(
            t.calls.some(
                (c) => c.startsWith('revoke') || c.startsWith('setAccountEnabled') || c.startsWith('deleteSession'),
            ),
        ).toBe(false);
        expect(t.sessions.get('PROD')?.some((s) => s.userId === 'BREAKGLASS')).toBe(true);
        expect(result.status).toBe('failed');
    });

    it('reports an unknown user as not-found and goes on with the others', async () => {
        const { result } = await run(tenant(), request({ users: ['nobody@contoso.com', 'alice@contoso.com'] }));
        expect(result.users[0]).toMatchObject({ user: 'nobody@contoso.com', outcome: 'not-found' });
        expect(result.users[1]?.outcome).toBe('processed');
        expect(result.status).toBe('partial');
    });

    it('does not claim revocation for a guest but still cancels their BC sessions', async () => {
        const t = tenant();
        const { result } = await run(t, request({ users: [GUEST] }));
        const guest = result.users[0];
        expect(system(guest, 'entra.revoke')).toMatchObject({ status: 'skipped', code: 'guest-not-effective' });
        expect(system(guest, 'bc.PROD.sessions')).toMatchObject({ status: 'succeeded', counts: { cancelled: 1 } });
        expect(result.residualRisk.notes.join(' ')).toMatch(/guest/);
    });

    it('fails only the named environment that does not exist', async () => {
        const { result } = await run(tenant(), request({ environments: ['PROD', 'NOPE'] }));
        expect(result.environments).toEqual([
            {
                name: 'PROD',
                status: 'succeeded',
                unmatchedSessionUsers: 3,
                unmatchedSessionUserNames: ['BOB', 'BREAKGLASS', 'STRANGER'],
            },
            expect.objectContaining({ name: 'NOPE', status: 'failed', code: 'environment-not-found' }),
        ]);
        expect(system(result.users[0], 'bc.PROD.sessions')?.status).toBe('succeeded');
        expect(result.status).toBe('partial');
    });

    it('falls back to name heuristics where the Automation API refuses, and marks them', async () => {
        const t = tenant();
        t.automationRefused.add('SANDBOX');
        const { result } = await run(t, request());
        expect(system(result.users[0], 'bc.SANDBOX.sessions')).toMatchObject({
            status: 'succeeded',
            heuristic: true,
            counts: { cancelled: 2 },
        });
        expect(system(result.users[0], 'bc.PROD.sessions')?.heuristic).toBeUndefined();
        expect(result.residualRisk.notes.join(' ')).toMatch(/heuristics/);
    });

    it('reports a session still present after cancelling as residual, not success', async () => {
        const t = tenant();
        t.stickySessions.add(100);
        const { result } = await run(t, request({ environments: ['PROD'] }));
        expect(system(result.users[0], 'bc.PROD.sessions')).toMatchObject({
            status: 'failed',
            code: 'sessions-remain',
            counts: { residual: 1 },
            detail: '1 cancelled session(s) still present',
        });
        expect(result.status).toBe('partial');
    });

    it('records the prior state before blocking and disabling, and keeps timed holds', async () => {
        const t = tenant();
        const { result, journal, holds } = await run(
            t,
            request({
                environments: ['PROD'],
                actions: { blockSignIn: { mode: 'for', minutes: 60 }, disableBcUser: { mode: 'for', minutes: 60 } },
            }),
        );
        expect(journal.log.indexOf(`intent entra.block:${ALICE}`)).toBeLessThan(
            journal.log.indexOf(`outcome entra.block:${ALICE} succeeded`),
        );
        expect(journal.intents.get(`bc.PROD.user:${ALICE}`)).toEqual({
            prior: 'Enabled',
            patch: true,
            userSecurityId: 'PROD-alice',
        });
        expect(system(result.users[0], 'entra.block')).toMatchObject({ status: 'succeeded', prior: 'true' });
        expect(system(result.users[0], 'bc.PROD.user')).toMatchObject({ status: 'succeeded', prior: 'Enabled' });
        expect(t.users[0]?.accountEnabled).toBe(false);
        expect(t.bcUsers.get('PROD')?.[0]?.state).toBe('Disabled');
        expect(holds.holds.map((h) => h.kind).sort()).toEqual(['bc-disable', 'entra-block']);
    });

    it('leaves an account someone else already blocked alone, and reports a 403 on an admin', async () => {
        const t = tenant();
        t.users[0]!.accountEnabled = false;
        t.adminRoleUsers.add(GUEST);
        const { result, holds } = await run(
            t,
            request({
                users: ['alice@contoso.com', GUEST],
                environments: ['PROD'],
                actions: { blockSignIn: { mode: 'for', minutes: 5 } },
            }),
        );
        expect(system(result.users[0], 'entra.block')).toMatchObject({ status: 'skipped', prior: 'false' });
        expect(system(result.users[1], 'entra.block')).toMatchObject({
            status: 'failed',
            code: 'Authorization_RequestDenied',
            statusCode: 403,
        });
        expect(holds.holds).toHaveLength(0);
    });

    it('repeats no completed step when resumed', async () => {
        const t = tenant();
        const journal = new MemoryJournal();
        await run(t, request(), journal);
        const before = t.calls.length;
        const { result } = await run(t, request(), journal);
        const again = t.calls.slice(before);
        expect(again.some((c) => c.startsWith('revoke') || c.startsWith('deleteSession'))).toBe(false);
        expect(system(result.users[0], 'bc.PROD.sessions')?.status).toBe('succeeded');
    });

    it('changes nothing in a dry run, and says what it would do', async () => {
        const t = tenant();
        const { result, journal, holds } = await run(
            t,
            request({
                dryRun: true,
                actions: { blockSignIn: { mode: 'permanent' }, disableBcUser: { mode: 'permanent' } },
            }),
        );
        expect(t.calls.filter((c) => /^(revoke|setAccountEnabled|deleteSession|setUserState)/.test(c))).toEqual([]);
        expect(journal.log).toEqual([]);
        expect(holds.watches).toEqual([]);
        expect(system(result.users[0], 'bc.PROD.sessions')).toMatchObject({ status: 'would-do', counts: { found: 2 } });
        expect(system(result.users[0], 'entra.revoke')?.status).toBe('would-do');
        expect(result.status).toBe('completed');
    });

    describe('whose sessions are whose (never a guess)', () => {
        const deletesIn = (t: FakeTenant, env: string) => t.calls.filter((c) => c.startsWith(`deleteSession ${env} `));

        it('fails an environment whose Automation API is throttled past the retries, instead of guessing by name', async () => {
            const t = tenant();
            t.failing.set(
                'listUsers SANDBOX',
                new TransientServiceError('bc-automation', 429, 'http-429', 'throttled', 1000),
            );
            const { result } = await run(t, request({ actions: { disableBcUser: { mode: 'for', minutes: 30 } } }));
            expect(deletesIn(t, 'SANDBOX')).toEqual([]);
            expect(t.calls.filter((c) => c.startsWith('setUserState SANDBOX'))).toEqual([]);
            expect(system(result.users[0], 'bc.SANDBOX.sessions')).toMatchObject({
                status: 'failed',
                code: 'http-429',
                retryable: true,
            });
            expect(system(result.users[0], 'bc.SANDBOX.sessions')?.heuristic).toBeUndefined();
            expect(system(result.users[0], 'bc.PROD.sessions')?.status).toBe('succeeded');
            expect(result.status).toBe('partial');
        });

        it('refuses to pick when two BC users have the person’s e-mail', async () => {
            const t = tenant();
            t.bcUsers.get('PROD')!.push({
                userSecurityId: 'PROD-temp',
                userName: 'ALICE-TEMP',
                state: 'Enabled',
                contactEmail: 'Alice@contoso.com',
            });
            const { result } = await run(
                t,
                request({ environments: ['PROD'], actions: { disableBcUser: { mode: 'for', minutes: 30 } } }),
            );
            expect(deletesIn(t, 'PROD')).toEqual([]);
            expect(t.calls.filter((c) => c.startsWith('setUserState'))).toEqual([]);
            for (const name of ['bc.PROD.sessions', 'bc.PROD.user'])
                expect(system(result.users[0], name)).toMatchObject({ status: 'failed', code: 'ambiguous-bc-user' });
            expect(system(result.users[0], 'bc.PROD.sessions')?.detail).toMatch(/ALICE, ALICE-TEMP/);
            expect(result.status).toBe('partial');
            expect(result.environments[0]).toMatchObject({ name: 'PROD', status: 'failed', code: 'ambiguous-bc-user' });
        });

        it('does not match a UPN local part that another Entra user also has', async () => {
            const t = tenant();
            t.automationRefused.add('UAT');
            t.users.push({
                id: 'aaaaaaaa-0000-0000-0000-000000000009',
                userPrincipalName: 'alice@fabrikam.com',
                mail: null,
                userType: 'Member',
                accountEnabled: true,
                signInSessionsValidFromDateTime: null,
            });
            const { result } = await run(t, request({ environments: ['UAT'] }));
            expect(deletesIn(t, 'UAT')).toEqual([]);
            expect(system(result.users[0], 'bc.UAT.sessions')).toMatchObject({
                status: 'failed',
                code: 'ambiguous-bc-user',
                heuristic: true,
                counts: { residual: 2 },
            });
            expect(system(result.users[0], 'bc.UAT.sessions')?.detail).toMatch(/alice@fabrikam\.com/);
        });

        it('reports sessions under the person’s names that no BC user maps to them, and cancels none', async () => {
            const t = tenant();
            t.bcUsers.get('SANDBOX')![0]!.contactEmail = 'a.adams@contoso.com';
            const { result } = await run(t, request({ environments: ['SANDBOX'] }));
            expect(deletesIn(t, 'SANDBOX')).toEqual([]);
            expect(system(result.users[0], 'bc.SANDBOX.sessions')).toMatchObject({
                status: 'failed',
                code: 'unmapped-sessions',
                counts: { residual: 2 },
            });
            expect(result.status).toBe('partial');
            expect(result.residualRisk.notes.join(' ')).toMatch(/unmapped-sessions/);
        });

        it('records an unknown prior sign-in state as unknown, never as enabled', async () => {
            const t = tenant();
            t.users[0]!.accountEnabled = null;
            const { result, holds } = await run(
                t,
                request({ environments: ['PROD'], actions: { blockSignIn: { mode: 'for', minutes: 30 } } }),
            );
            expect(system(result.users[0], 'entra.block')).toMatchObject({ status: 'succeeded', prior: 'unknown' });
            expect(holds.holds[0]?.prior).toBe('unknown');
        });
    });

    it('never sends a revocation twice when its answer was lost: the next attempt reads Entra to know', async () => {
        const t = tenant();
        t.loseRevokeAnswers = true;
        const journal = new MemoryJournal();
        const first = await run(t, request({ environments: ['PROD'] }), journal);
        expect(system(first.result.users[0], 'entra.revoke')).toMatchObject({
            status: 'failed',
            code: 'answer-lost',
            retryable: true,
        });
        expect(journal.intents.get(`entra.revoke:${ALICE}`)).toMatchObject({ sentAt: expect.any(String) });
        t.loseRevokeAnswers = false;
        const before = t.calls.length;
        const { result } = await run(t, request({ environments: ['PROD'] }), journal);
        expect(t.calls.slice(before).filter((c) => c.startsWith('revoke') || c.startsWith('lookUpAndRevoke'))).toEqual(
            [],
        );
        expect(system(result.users[0], 'entra.revoke')).toMatchObject({
            status: 'succeeded',
            detail: expect.stringMatching(/answer to the revocation was lost/),
        });
    });
});
