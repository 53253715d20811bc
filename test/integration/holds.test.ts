import { createServiceDependencies } from '../../src/composition/serviceDependencies';
import { readConfig } from '../../src/config';
import { claimRequest } from '../../src/core/service/acceptRequest';
import { processRequest } from '../../src/core/service/processRequest';
import { releaseDueHolds } from '../../src/core/service/holdRelease';
import { runSweep } from '../../src/core/service/sweep';
import { parseSignOutRequest } from '../../src/core/request/signOutRequest';
import type { ServiceDependencies } from '../../src/core/service/serviceDependencies';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';

const { alice, hank } = FIXTURE.users;
let harness: AppHarness;
let deps: ServiceDependencies;
let clock = new Date();

beforeAll(async () => {
    harness = await startAppHarness();
    deps = await createServiceDependencies(readConfig(process.env), { now: () => clock });
});
afterAll(async () => harness.close());

async function run(body: Record<string, unknown>): Promise<string> {
    const parsed = parseSignOutRequest({ reason: 'holds', ...body }, deps.settings.policy, clock);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    await claimRequest(parsed, { kind: 'cli', id: 'test', verified: false }, 'cli', deps, clock);
    const outcome = await processRequest(parsed.value.requestId, { dequeueCount: 1, owner: 'test-worker' }, deps);
    expect(outcome.kind).toBe('finished');
    return parsed.value.requestId;
}

describe('timed holds', () => {
    it('releases a hold this service set, and leaves one alone that someone changed since', async () => {
        const aliceRequest = await run({
            users: [alice.userPrincipalName],
            environments: ['SANDBOX'],
            actions: { blockSignIn: { mode: 'for', minutes: 30 }, disableBcUser: { mode: 'for', minutes: 30 } },
            watchMinutes: 0,
        });
        const hankRequest = await run({
            users: [hank.userPrincipalName],
            environments: ['SANDBOX'],
            actions: { blockSignIn: { mode: 'for', minutes: 30 } },
            watchMinutes: 0,
        });
        const state = harness.simulator.state;
        const sandbox = state.environment('SANDBOX');
        expect(state.users.get(alice.id)?.accountEnabled).toBe(false);
        expect(state.findBcUser(sandbox, 'ALICE')?.state).toBe('Disabled');
        expect(state.users.get(hank.id)?.accountEnabled).toBe(false);

        // Someone re-enables hank by hand: the current state is no longer what this service set.
        state.users.get(hank.id)!.accountEnabled = true;

        clock = new Date(Date.now() + 29 * 60_000);
        const early = await runSweep('sweep-test', deps, 60_000);
        expect(early).toMatchObject({ holdsReleased: 0, holdsLeftAsIs: 0 });

        clock = new Date(Date.now() + 31 * 60_000);
        const due = await runSweep('sweep-test', deps, 60_000);
        expect(due).toMatchObject({ holdsReleased: 2, holdsLeftAsIs: 1, failures: [] });
        expect(state.users.get(alice.id)?.accountEnabled).toBe(true);
        expect(state.findBcUser(sandbox, 'ALICE')?.state).toBe('Enabled');

        const aliceEvents = (await deps.audit.listEvents(aliceRequest)).filter((e) => e.type === 'hold-released');
        expect(aliceEvents.map((e) => e.system).sort()).toEqual(['bc.SANDBOX.user', 'entra.block']);
        const hankEvents = (await deps.audit.listEvents(hankRequest)).filter((e) => e.type === 'hold-left-as-is');
        expect(hankEvents).toHaveLength(1);
        expect(hankEvents[0]?.detail).toMatch(/someone changed it/);

        const again = await runSweep('sweep-test', deps, 60_000);
        expect(again).toMatchObject({ holdsReleased: 0, holdsLeftAsIs: 0 });
    });

    it('goes on with the other holds when one cannot be settled, saying which and why', async () => {
        clock = new Date();
        const aliceRequest = await run({
            users: [alice.userPrincipalName],
            environments: ['SANDBOX'],
            actions: { blockSignIn: { mode: 'for', minutes: 30 } },
            watchMinutes: 0,
        });
        await run({
            users: [hank.userPrincipalName],
            environments: ['SANDBOX'],
            actions: { blockSignIn: { mode: 'for', minutes: 30 } },
            watchMinutes: 0,
        });
        // Alice's trail cannot be opened (storage answers with something that is not a service's error).
        const audit = Object.create(deps.audit) as typeof deps.audit;
        audit.openTrail = (requestId, ...rest) =>
            requestId === aliceRequest
                ? Promise.reject(new TypeError('table unavailable'))
                : deps.audit.openTrail(requestId, ...rest);
        clock = new Date(Date.now() + 31 * 60_000);
        const report = { holdsReleased: 0, holdsLeftAsIs: 0, failures: [] as string[] };
        await releaseDueHolds(clock, Date.now() + 60_000, { ...deps, audit }, report);
        expect(report.holdsReleased).toBe(1);
        expect(report.failures).toEqual([
            `releasing entra-block of ${alice.userPrincipalName} failed: TypeError; will retry`,
        ]);
        expect(harness.simulator.state.users.get(hank.id)?.accountEnabled).toBe(true);
        // Nothing was changed for alice before her trail failed: the next pass releases her hold as its own.
        expect(harness.simulator.state.users.get(alice.id)?.accountEnabled).toBe(false);
        expect(await runSweep('sweep-test', deps, 60_000)).toMatchObject({ holdsReleased: 1, failures: [] });
        expect(harness.simulator.state.users.get(alice.id)?.accountEnabled).toBe(true);
    });

    it('ends a watch when its window closes', async () => {
        clock = new Date();
        const requestId = await run({ users: [hank.id], environments: ['PRODUCTION'], watchMinutes: 15 });
        clock = new Date(Date.now() + 16 * 60_000);
        const report = await runSweep('sweep-test', deps, 60_000);
        expect(report.watchesEnded).toBeGreaterThanOrEqual(1);
        expect((await deps.audit.listEvents(requestId)).map((e) => e.type)).toContain('watch-ended');
        expect((await deps.audit.listWatches()).filter((w) => w.requestId === requestId)).toEqual([]);
    });
});

describe('overlapping holds', () => {
    it('keeps the state from before the first hold, and releases only when the last hold ends', async () => {
        clock = new Date();
        const first = await run({
            users: [alice.id],
            environments: ['SANDBOX'],
            actions: { blockSignIn: { mode: 'for', minutes: 30 } },
            watchMinutes: 0,
        });
        const second = await run({
            users: [alice.id],
            environments: ['SANDBOX'],
            actions: { blockSignIn: { mode: 'for', minutes: 90 } },
            watchMinutes: 0,
        });
        const secondResult = (await deps.audit.getRequest(second))?.result;
        expect(secondResult?.users[0]?.systems.find((s) => s.system === 'entra.block')).toMatchObject({
            status: 'succeeded',
            prior: 'true',
        });
        const user = () => harness.simulator.state.users.get(alice.id);

        clock = new Date(Date.now() + 31 * 60_000);
        expect(await runSweep('sweep-test', deps, 60_000)).toMatchObject({ holdsReleased: 0, holdsLeftAsIs: 1 });
        expect(user()?.accountEnabled).toBe(false);
        const leftAsIs = (await deps.audit.listEvents(first)).find((e) => e.type === 'hold-left-as-is');
        expect(leftAsIs?.detail).toContain(second);

        clock = new Date(Date.now() + 91 * 60_000);
        expect(await runSweep('sweep-test', deps, 60_000)).toMatchObject({ holdsReleased: 1 });
        expect(user()?.accountEnabled).toBe(true);
    });

    it('never releases under a permanent hold', async () => {
        clock = new Date();
        await run({
            users: [hank.id],
            environments: ['SANDBOX'],
            actions: { disableBcUser: { mode: 'for', minutes: 10 } },
            watchMinutes: 0,
        });
        await run({
            users: [hank.id],
            environments: ['SANDBOX'],
            actions: { disableBcUser: { mode: 'permanent' } },
            watchMinutes: 0,
        });
        clock = new Date(Date.now() + 11 * 60_000);
        expect(await runSweep('sweep-test', deps, 60_000)).toMatchObject({ holdsReleased: 0, holdsLeftAsIs: 1 });
        expect(harness.simulator.state.findBcUser(harness.simulator.state.environment('SANDBOX'), 'HANK')?.state).toBe(
            'Disabled',
        );
    });
});

describe('releasing only what is still ours (directory audit log)', () => {
    const { dan, erin } = FIXTURE.users;
    const admin = {
        user: {
            id: 'ad000000-0000-4000-8000-000000000001',
            userPrincipalName: 'admin@contoso.com',
            displayName: 'Admin',
        },
    };

    it('leaves an account alone when someone else changed its sign-in since, even though it is blocked again', async () => {
        clock = new Date();
        const requestId = await run({
            users: [dan.id],
            environments: ['SANDBOX'],
            actions: { blockSignIn: { mode: 'for', minutes: 30 } },
            watchMinutes: 0,
        });
        const state = harness.simulator.state;
        const user = state.users.get(dan.id)!;
        // An admin unblocks and blocks again by hand: the state is what this service set, only the log tells.
        state.recordAccountEnabledChange(user, false, true, admin);
        state.recordAccountEnabledChange(user, true, false, admin);
        harness.simulator.clock.advance(5 * 60_000);

        clock = new Date(Date.now() + 31 * 60_000);
        expect(await runSweep('sweep-test', deps, 60_000)).toMatchObject({ holdsLeftAsIs: 1 });
        expect(user.accountEnabled).toBe(false);
        const event = (await deps.audit.listEvents(requestId)).find((e) => e.type === 'hold-left-as-is');
        expect(event?.detail).toMatch(/changed by admin@contoso\.com/);
        expect(harness.simulator.callsTo('graph', 'GET', '/v1.0/auditLogs/directoryAudits').length).toBeGreaterThan(0);
    });

    it('releases on the current state alone, and says so, when the app may not read the audit log', async () => {
        clock = new Date();
        const state = harness.simulator.state;
        state.graphPermissions.delete('AuditLog.Read.All');
        try {
            const requestId = await run({
                users: [erin.id],
                environments: ['SANDBOX'],
                actions: { blockSignIn: { mode: 'for', minutes: 30 } },
                watchMinutes: 0,
            });
            clock = new Date(Date.now() + 31 * 60_000);
            expect(await runSweep('sweep-test', deps, 60_000)).toMatchObject({ holdsReleased: 1 });
            expect(state.users.get(erin.id)?.accountEnabled).toBe(true);
            const event = (await deps.audit.listEvents(requestId)).find((e) => e.type === 'hold-released');
            expect(event?.detail).toMatch(/audit log was not checked \(AuditLog\.Read\.All is not granted\)/);
        } finally {
            state.graphPermissions.add('AuditLog.Read.All');
        }
    });
});
