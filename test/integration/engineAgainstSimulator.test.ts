import { tenantServicesFactory } from '../../src/composition/tenantServices';
import { guardConfiguration } from '../../src/composition/serviceDependencies';
import { readConfig } from '../../src/config';
import { buildProtectedSet } from '../../src/core/guard/buildProtectedSet';
import { runSignOut } from '../../src/core/engine/signOutEngine';
import { parseSignOutRequest } from '../../src/core/request/signOutRequest';
import type { SignOutResult, UserResult } from '../../src/core/result';
import {
    bulkFixture,
    bulkUserPrincipalName,
    FIXTURE,
    startSimulator,
    type SimulatorOptions,
    type TenantSimulator,
} from '../simulator';
import { MemoryHolds, MemoryJournal } from '../support/fakeTenant';

const { alice, bob, breakglass, carol, dan, erin } = FIXTURE.users;
let simulator: TenantSimulator | undefined;
let lastHolds: MemoryHolds | undefined;
let lastJournal: MemoryJournal | undefined;
/** Calls made before the engine ran (building the protected set), so a test can count the request's own. */
let callsBeforeRun = 0;
afterEach(async () => {
    await simulator?.close();
    simulator = undefined;
});

/** The engine through the real credential, Graph client and BC clients, against a fresh simulator. */
async function signOut(
    body: Record<string, unknown>,
    options: SimulatorOptions = {},
    prepare?: (sim: TenantSimulator) => void,
    settings: Record<string, string> = {},
    /** Changes the tenant after the protected set was built. */
    beforeRun?: (sim: TenantSimulator) => void,
): Promise<SignOutResult> {
    simulator = await startSimulator(options);
    prepare?.(simulator);
    const config = readConfig({
        ...simulator.settings(),
        PROTECTED_USERS: breakglass.userPrincipalName,
        PROTECTED_GROUP_IDS: FIXTURE.groups.protectedAdmins.id,
        ...settings,
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    });
    const parsed = parseSignOutRequest(
        { reason: 'integration', ...body },
        {
            maxUsers: 500,
            defaultTenantId: config.identity.tenantId,
            allowedTenantIds: [config.identity.tenantId],
            callbackHosts: [],
        },
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const holds = new MemoryHolds();
    lastHolds = holds;
    const services = tenantServicesFactory(config)(config.identity.tenantId, Date.now() + 120_000);
    const protectedSet = await buildProtectedSet(
        services.directory,
        guardConfiguration(config),
        config.identity.tenantId,
        Date.now(),
    );
    beforeRun?.(simulator);
    callsBeforeRun = simulator.calls.length;
    return runSignOut(
        parsed.value,
        {
            ...services,
            protectedSet,
            journal: (lastJournal = new MemoryJournal()),
            holds,
        },
        { accessTokenWindowMinutes: 90 },
    );
}

const system = (user: UserResult | undefined, name: string) => user?.systems.find((s) => s.system === name);
const sessionsOf = (name: string) =>
    simulator!.state.environments.flatMap((env) => env.sessions.filter((s) => s.userId === name));

describe('engine against the simulator', () => {
    it('refuses the protected, reports the unknown, and processes a UPN with quote and plus', async () => {
        const result = await signOut({
            users: [breakglass.userPrincipalName, carol.userPrincipalName, 'ghost@contoso.com', dan.userPrincipalName],
        });
        expect(result.users.map((u) => u.outcome)).toEqual(['protected', 'protected', 'not-found', 'processed']);
        expect(result.users[1]?.detail).toMatch(/protected group/);
        expect(sessionsOf('BREAKGLASS')).toHaveLength(1);
        expect(sessionsOf('CAROL')).toHaveLength(1);
        expect(sessionsOf('DAN')).toHaveLength(0);
        const writes = simulator!.calls.filter(
            (c) => c.viaBatch && c.method === 'POST' && c.path.endsWith('revokeSignInSessions') && c.status < 300,
        );
        expect(writes.map((c) => c.userId)).toEqual([dan.id]);
    });

    it('says so when a protected account renamed since the set was built had its sessions revoked with its look-up', async () => {
        const renamed = 'break.glass@contoso.com';
        const result = await signOut({ users: [renamed] }, {}, undefined, { PROTECTED_USERS: breakglass.id }, (sim) => {
            sim.state.findUser(breakglass.id)!.userPrincipalName = renamed;
        });
        const user = result.users[0];
        expect(user?.outcome).toBe('protected');
        expect(user?.detail).toMatch(/sign-in sessions were revoked with the look-up, before the guard knew it/);
        expect(system(user, 'entra.revoke')).toMatchObject({ status: 'succeeded', code: 'revoked-before-guard' });
        expect(system(user, 'bc.PRODUCTION.sessions')).toMatchObject({ status: 'protected' });
        expect(result.residualRisk.notes.join('\n')).toMatch(
            /break.glass@contoso.com is protected, but its sign-in sessions were revoked/,
        );
        expect(lastJournal?.outcomeOf(`entra.revoke:${breakglass.id}`)).toMatchObject({ status: 'succeeded' });
        // What the simulator saw: the one revocation, and nothing else changed for the account.
        const writes = simulator!.calls.filter((c) => c.method !== 'GET' && c.status < 300);
        expect(writes.filter((c) => c.path.endsWith('revokeSignInSessions')).map((c) => c.userId)).toEqual([
            breakglass.id,
        ]);
        expect(writes.filter((c) => c.method === 'DELETE' || c.method === 'PATCH')).toHaveLength(0);
        expect(sessionsOf('BREAKGLASS')).toHaveLength(1);
    });

    it('promises no watch when no environment could be listed to keep it in', async () => {
        const result = await signOut({ users: [dan.userPrincipalName], watchMinutes: 60 }, {}, (sim) => {
            sim.faults.add({
                service: 'bc-admin',
                method: 'GET',
                path: /\/environments$/,
                kind: 'status',
                status: 403,
            });
        });
        expect(result.environments).toEqual([expect.objectContaining({ name: '*', status: 'failed' })]);
        const notes = result.residualRisk.notes.join('\n');
        expect(notes).not.toMatch(/The sweep keeps cancelling/);
        expect(notes).toMatch(/no environment could be listed to keep it in: reconnects .* will not be cancelled/);
        expect(result.residualRisk.watchUntil).toBeUndefined();
        expect(lastHolds?.watches ?? []).toEqual([]);
    });

    it('is truthful about a guest: revocation not effective, BC sessions still cancelled', async () => {
        const result = await signOut({ users: [bob.userPrincipalName], environments: ['PRODUCTION'] });
        expect(system(result.users[0], 'entra.revoke')).toMatchObject({
            status: 'skipped',
            code: 'guest-not-effective',
        });
        expect(system(result.users[0], 'bc.PRODUCTION.sessions')).toMatchObject({
            status: 'succeeded',
            counts: { cancelled: 1 },
        });
        expect(sessionsOf('BOB')).toHaveLength(0);
    });

    it('says so when a person has no BC user, instead of matching someone else', async () => {
        const result = await signOut({ users: [erin.userPrincipalName], environments: ['PRODUCTION'] });
        expect(system(result.users[0], 'bc.PRODUCTION.sessions')).toMatchObject({
            status: 'skipped',
            code: 'no-bc-user',
        });
    });

    it('batches 25 users into two $batch calls and retries items throttled with their own Retry-After', async () => {
        const users = Array.from({ length: 25 }, (_, i) => bulkUserPrincipalName(i + 1));
        const result = await signOut(
            { users, environments: ['PRODUCTION'] },
            { fixture: bulkFixture(25, 1, 2) },
            (sim) => {
                sim.faults.add({
                    service: 'graph',
                    path: /revokeSignInSessions$/,
                    kind: 'throttle',
                    retryAfterSeconds: 1,
                    times: 3,
                });
            },
        );
        expect(result.status).toBe('completed');
        expect(result.users.every((u) => system(u, 'entra.revoke')?.status === 'succeeded')).toBe(true);
        const revokes = simulator!.calls.filter((c) => c.viaBatch && c.path.endsWith('revokeSignInSessions'));
        expect(revokes.filter((c) => c.status === 429)).toHaveLength(3);
        expect(revokes.filter((c) => c.status === 200)).toHaveLength(25);
        // Two batches (20 + 5) each for lookup, revoke and re-read; one or two more for the retried items. The guard
        // is local: no group check per user.
        const requestCalls = simulator!.calls.slice(callsBeforeRun);
        expect(requestCalls.filter((c) => c.path === '/v1.0/$batch').length).toBeLessThanOrEqual(8);
        expect(requestCalls.filter((c) => c.path.endsWith('/checkMemberGroups'))).toEqual([]);
        expect(simulator!.calls.filter((c) => c.path.endsWith('/sessions') && c.method === 'GET')).toHaveLength(2);
    });

    it('reports an environment that keeps failing, while the others go on', async () => {
        const result = await signOut({ users: [alice.userPrincipalName] }, {}, (sim) => {
            sim.faults.add({
                service: 'bc-admin',
                path: /environments\/SANDBOX\/sessions$/,
                kind: 'status',
                status: 503,
                retryAfterSeconds: 0,
            });
        });
        expect(result.environments.find((e) => e.name === 'SANDBOX')).toMatchObject({ status: 'failed' });
        expect(system(result.users[0], 'bc.SANDBOX.sessions')).toMatchObject({
            status: 'failed',
            retryable: true,
            statusCode: 503,
        });
        expect(system(result.users[0], 'bc.PRODUCTION.sessions')?.status).toBe('succeeded');
        expect(result.status).toBe('partial');
        expect(result.residualRisk.notes.join(' ')).toMatch(/SANDBOX failed/);
        // The sweep keeps trying where this pass could not.
        expect(lastHolds?.watches[0]?.environments).toEqual(['PRODUCTION', 'SANDBOX', 'UAT']);
    }, 60_000);

    it('reads the documented shapes: PascalCase fields, wrapped get-one, bare companies, paged sessions, 204 revoke', async () => {
        const result = await signOut(
            {
                users: [alice.userPrincipalName],
                environments: ['PRODUCTION', 'SANDBOX'],
                actions: { disableBcUser: { mode: 'permanent' } },
            },
            {
                fieldCase: 'pascal',
                environmentGetShape: 'wrapped',
                companiesShape: 'bare',
                sessionPageSize: 2,
                revokeResponse: 204,
                staleEtagStatus: 412,
            },
        );
        expect(system(result.users[0], 'entra.revoke')?.status).toBe('succeeded');
        expect(system(result.users[0], 'bc.PRODUCTION.sessions')).toMatchObject({
            status: 'succeeded',
            counts: { found: 2, cancelled: 2 },
        });
        expect(system(result.users[0], 'bc.SANDBOX.user')).toMatchObject({
            status: 'succeeded',
            prior: 'Enabled',
            holdUntil: 'permanent',
        });
        expect(sessionsOf('ALICE')).toHaveLength(2); // UAT was not asked for
    });

    it('stops at a wrong client secret with the AADSTS code, without retrying and without leaking the secret', async () => {
        const attempt = signOut({ users: [alice.userPrincipalName] }, {}, undefined, {
            AZURE_CLIENT_SECRET: 'wrong-secret-value',
        });
        await expect(attempt).rejects.toMatchObject({ name: 'AuthenticationFailedError', code: 'AADSTS7000215' });
        await expect(attempt).rejects.not.toThrow(/wrong-secret-value/);
        expect(simulator!.calls.filter((c) => c.service !== 'identity')).toEqual([]);
    });

    it('tells a user who refreshed at once from a session that would not go', async () => {
        const result = await signOut(
            { users: [alice.userPrincipalName], environments: ['PRODUCTION'] },
            { reconnectDelayMs: 0 },
        );
        expect(system(result.users[0], 'bc.PRODUCTION.sessions')).toMatchObject({
            status: 'failed',
            code: 'sessions-remain',
            counts: { found: 2, cancelled: 2, residual: 2 },
            detail: '2 new session(s) opened since (a reconnect; the watch cancels those)',
        });
        expect(result.residualRisk.watchUntil).toBeDefined();
    });
});
