import { createServiceDependencies, HOST_MAX_DEQUEUE_COUNT } from '../../src/composition/serviceDependencies';
import { readConfig } from '../../src/config';
import { parseSignOutRequest } from '../../src/core/request/signOutRequest';
import type { RequestRecord } from '../../src/core/ports/auditStore';
import type { SystemOutcome } from '../../src/core/result';
import { claimRequest } from '../../src/core/service/acceptRequest';
import { processRequest, RetryLaterError } from '../../src/core/service/processRequest';
import type { ServiceDependencies } from '../../src/core/service/serviceDependencies';
import { runSweep } from '../../src/core/service/sweep';
import { FIXTURE, type BcSessionRecord } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';

/**
 * Whose sessions are whose (issue: the right person, every time), through the real adapters against the simulator:
 * each case asserts on what the simulator saw and holds, not only on the result.
 */
const { alice } = FIXTURE.users;
let harness: AppHarness;
let deps: ServiceDependencies;
let sequence = 0;

beforeEach(async () => {
    harness = await startAppHarness();
    deps = await createServiceDependencies(readConfig(process.env));
});
afterEach(async () => harness.close());

async function signOut(body: Record<string, unknown>, dequeueCount = HOST_MAX_DEQUEUE_COUNT): Promise<RequestRecord> {
    const parsed = parseSignOutRequest(
        { requestId: `identity-${++sequence}`, reason: 'identity', users: [alice.userPrincipalName], ...body },
        deps.settings.policy,
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    await claimRequest(parsed, { kind: 'cli', id: 'test', verified: false }, 'cli', deps, new Date());
    const outcome = await processRequest(parsed.value.requestId, { dequeueCount, owner: 'identity-test' }, deps);
    if (outcome.kind !== 'finished') throw new Error(`not finished: ${outcome.kind}`);
    return outcome.record;
}

const outcomeOf = (record: RequestRecord, system: string): SystemOutcome | undefined =>
    record.result?.users[0]?.systems.find((s) => s.system === system);
const deletesIn = (environment: string) =>
    harness.simulator.callsTo('bc-admin', 'DELETE', new RegExp(`/environments/${environment}/sessions/`));
const patchesIn = (environment: string) =>
    harness.simulator.callsTo('bc-automation', 'PATCH', new RegExp(`^/v2\\.0/${environment}/`));
const aliceSessions = (environment: string): BcSessionRecord[] =>
    harness.simulator.state.environment(environment).sessions.filter((s) => s.userId === alice.bcUserName);

describe('mapping an Entra user to a BC user', () => {
    it('never falls back to name heuristics on a passing Automation API failure: the environment fails, retryable', async () => {
        harness.simulator.faults.add({
            service: 'bc-automation',
            path: /^\/v2\.0\/SANDBOX\//,
            kind: 'status',
            status: 503,
            retryAfterSeconds: 0,
        });
        const before = aliceSessions('SANDBOX').length;
        await expect(signOut({ environments: ['SANDBOX', 'PRODUCTION'] }, 1)).rejects.toThrow(RetryLaterError);
        const record = await signOut({ environments: ['SANDBOX', 'PRODUCTION'] });
        expect(deletesIn('SANDBOX')).toEqual([]);
        expect(aliceSessions('SANDBOX')).toHaveLength(before);
        expect(outcomeOf(record, 'bc.SANDBOX.sessions')).toMatchObject({
            status: 'failed',
            statusCode: 503,
            retryable: true,
        });
        expect(outcomeOf(record, 'bc.SANDBOX.sessions')?.heuristic).toBeUndefined();
        expect(outcomeOf(record, 'bc.PRODUCTION.sessions')?.status).toBe('succeeded');
        expect(record.state).toBe('partial');
    });

    it('refuses, and touches nothing, when two BC users have the person’s e-mail', async () => {
        const production = harness.simulator.state.environment('PRODUCTION');
        production.users.push({
            userSecurityId: 'b0b0b0b0-0000-4000-8000-00000000a11c',
            userName: 'ALICE-TEMP',
            displayName: 'Alice (temporary)',
            state: 'Enabled',
            contactEmail: alice.userPrincipalName,
            expiryDate: '0001-01-01T00:00:00Z',
            version: 1,
        });
        harness.simulator.addSession('PRODUCTION', 'ALICE-TEMP');
        const record = await signOut({
            environments: ['PRODUCTION'],
            actions: { disableBcUser: { mode: 'for', minutes: 30 } },
        });
        expect(deletesIn('PRODUCTION')).toEqual([]);
        expect(patchesIn('PRODUCTION')).toEqual([]);
        expect(production.users.every((user) => user.state === 'Enabled')).toBe(true);
        for (const system of ['bc.PRODUCTION.sessions', 'bc.PRODUCTION.user'])
            expect(outcomeOf(record, system)).toMatchObject({ status: 'failed', code: 'ambiguous-bc-user' });
        expect(outcomeOf(record, 'bc.PRODUCTION.sessions')?.detail).toContain('ALICE, ALICE-TEMP');
        expect(record.state).toBe('partial');
        expect(record.result?.environments).toEqual([
            expect.objectContaining({ name: 'PRODUCTION', status: 'failed', code: 'ambiguous-bc-user' }),
        ]);
    });

    it('matches a UPN local part by heuristics only when no other Entra user has it', async () => {
        // UAT never registered the app: its Automation API answers 401, so names are all there is.
        const unique = await signOut({ environments: ['UAT'] });
        expect(outcomeOf(unique, 'bc.UAT.sessions')).toMatchObject({ status: 'succeeded', heuristic: true });
        expect(deletesIn('UAT')).toHaveLength(2);
        expect(harness.simulator.callsTo('graph', 'GET', '/v1.0/users').some((c) => /startswith/.test(c.query))).toBe(
            true,
        );

        harness.simulator.materialiseReconnects();
        harness.simulator.state.addUser({
            ...harness.simulator.state.users.get(alice.id)!,
            id: '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5eaa',
            userPrincipalName: 'alice@fabrikam.com',
            mail: 'alice@fabrikam.com',
            revokedAt: undefined,
        });
        const live = aliceSessions('UAT').length;
        expect(live).toBeGreaterThan(0);
        const shared = await signOut({ environments: ['UAT'] });
        expect(deletesIn('UAT')).toHaveLength(2);
        expect(aliceSessions('UAT')).toHaveLength(live);
        expect(outcomeOf(shared, 'bc.UAT.sessions')).toMatchObject({
            status: 'failed',
            code: 'ambiguous-bc-user',
            heuristic: true,
        });
        expect(outcomeOf(shared, 'bc.UAT.sessions')?.detail).toContain('alice@fabrikam.com');
    });

    it('reports sessions under the person’s names that no BC user maps to them, and cancels none', async () => {
        const sandbox = harness.simulator.state.environment('SANDBOX');
        harness.simulator.state.findBcUser(sandbox, alice.bcUserName)!.contactEmail = 'a.adams@contoso.com';
        const record = await signOut({ environments: ['SANDBOX'] });
        expect(deletesIn('SANDBOX')).toEqual([]);
        expect(aliceSessions('SANDBOX')).toHaveLength(2);
        expect(outcomeOf(record, 'bc.SANDBOX.sessions')).toMatchObject({
            status: 'failed',
            code: 'unmapped-sessions',
            counts: { residual: 2 },
        });
        expect(record.state).toBe('partial');
        expect(record.result?.residualRisk.notes.join('\n')).toMatch(
            /bc\.SANDBOX\.sessions failed \[unmapped-sessions\]/,
        );
    });
});

describe('the sweep applies the same rules to reconnects', () => {
    it('settles an identity the request could not, then cancels the reconnect, and records why', async () => {
        const fault = harness.simulator.faults.add({
            service: 'bc-automation',
            path: /^\/v2\.0\/SANDBOX\//,
            kind: 'status',
            status: 503,
            retryAfterSeconds: 0,
        });
        const record = await signOut({ environments: ['SANDBOX'] });
        expect(deletesIn('SANDBOX')).toEqual([]);
        const [watch] = (await deps.audit.listWatches()).filter((w) => w.requestId === record.requestId);
        expect(watch?.identities.SANDBOX).toMatchObject({ source: 'unresolved', names: [] });

        harness.simulator.faults.remove(fault);
        const report = await runSweep('identity-sweep', deps, 60_000);
        expect(report.failures).toEqual([]);
        expect(deletesIn('SANDBOX')).toHaveLength(2);
        expect(aliceSessions('SANDBOX')).toEqual([]);
        const [settled] = (await deps.audit.listWatches()).filter((w) => w.requestId === record.requestId);
        expect(settled?.identities.SANDBOX).toMatchObject({ source: 'automation', names: ['ALICE'] });
        const types = (await deps.audit.listEvents(record.requestId)).map((e) => e.type);
        expect(types).toContain('watch-identity-resolved');
        expect(types.filter((t) => t === 'reconnect-cancelled')).toHaveLength(2);
    });

    it('never cancels a reconnect under a name the request found ambiguous', async () => {
        harness.simulator.state.addUser({
            ...harness.simulator.state.users.get(alice.id)!,
            id: '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5eab',
            userPrincipalName: 'alice@fabrikam.com',
            mail: null,
        });
        const record = await signOut({ environments: ['UAT'] });
        const [watch] = (await deps.audit.listWatches()).filter((w) => w.requestId === record.requestId);
        expect(watch?.identities.UAT).toMatchObject({ source: 'heuristic' });
        expect(watch?.identities.UAT?.names).not.toContain('ALICE');
        harness.simulator.addSession('UAT', alice.bcUserName);
        await runSweep('identity-sweep', deps, 60_000);
        expect(deletesIn('UAT')).toEqual([]);
    });
});
