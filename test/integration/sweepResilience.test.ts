import { createServiceDependencies } from '../../src/composition/serviceDependencies';
import { readConfig } from '../../src/config';
import { parseSignOutRequest } from '../../src/core/request/signOutRequest';
import { claimRequest } from '../../src/core/service/acceptRequest';
import { processRequest } from '../../src/core/service/processRequest';
import type { ServiceDependencies } from '../../src/core/service/serviceDependencies';
import { runSweep } from '../../src/core/service/sweep';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { RecordingTelemetry } from '../support/recordingTelemetry';

/**
 * The sweep never drops a watch on a passing failure: when the guard, Graph, BC or the credential cannot be used,
 * the watch is kept and skipped with a warning, reconnects are cancelled again once the fault is gone, and a watch
 * that went unchecked to the end of its window is reported `watch-lapsed`.
 */
const { hank } = FIXTURE.users;
let harness: AppHarness;
let clock = new Date();
let sequence = 0;

beforeEach(async () => {
    clock = new Date();
    harness = await startAppHarness({ simulator: { reconnectDelayMs: 3_600_000 } });
});
afterEach(async () => harness.close());

/** Fresh dependencies: nothing cached, like a new worker instance. */
const dependencies = (env: Record<string, string | undefined> = process.env, telemetry = new RecordingTelemetry()) =>
    createServiceDependencies(readConfig(env), { now: () => clock, telemetry });

async function watchHank(deps: ServiceDependencies): Promise<string> {
    const requestId = `sweep-resilience-${++sequence}`;
    const parsed = parseSignOutRequest(
        { requestId, users: [hank.userPrincipalName], reason: 'watch', environments: ['PRODUCTION'], watchMinutes: 60 },
        deps.settings.policy,
        clock,
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    await claimRequest(parsed, { kind: 'cli', id: 'test', verified: false }, 'cli', deps, clock);
    expect((await processRequest(requestId, { dequeueCount: 5, owner: 'w' }, deps)).kind).toBe('finished');
    return requestId;
}

const hankSessions = () =>
    harness.simulator.state.environment('PRODUCTION').sessions.filter((s) => s.userId === hank.bcUserName);

/** Every environment's session listing answers 503 until the fault is removed. */
const failSessionListings = () =>
    harness.simulator.faults.add({
        service: 'bc-admin',
        method: 'GET',
        path: /\/sessions$/,
        kind: 'status',
        status: 503,
        retryAfterSeconds: 0,
    });

describe('the sweep through a fault storm', () => {
    it('keeps every watch while the guard cannot be built, and cancels the reconnect once Graph is back', async () => {
        const requestId = await watchHank(await dependencies());
        harness.simulator.addSession('PRODUCTION', hank.bcUserName);
        // Every directory read the guard needs is throttled, past every retry.
        const storm = harness.simulator.faults.add({
            service: 'graph',
            path: /^\/v1\.0\/(roleManagement|users|groups)/,
            kind: 'throttle',
            retryAfterSeconds: 0,
        });

        const telemetry = new RecordingTelemetry();
        const during = await runSweep('storm', await dependencies(process.env, telemetry), 60_000);
        expect(during.watchedUsers).toBe(1);
        // The tenant could not be swept at all: unhealthy, for the `unhealthy` alert.
        expect(during).toMatchObject({ tenantsSkipped: 1, healthy: false });
        expect(during.watchesSkipped).toBe(1);
        expect(during.failures.join('\n')).toMatch(/skipped this pass/);
        expect(hankSessions()).toHaveLength(1);
        const kept = (await (await dependencies()).audit.listWatches()).filter((w) => w.requestId === requestId);
        expect(kept).toHaveLength(1);
        expect(kept[0]?.skippedSince).toBeDefined();

        harness.simulator.faults.remove(storm);
        const after = await runSweep('storm', await dependencies(process.env, telemetry), 60_000);
        expect(after).toMatchObject({ watchedUsers: 1, reconnectsCancelled: 1, watchesSkipped: 0, healthy: true });
        expect(telemetry.gauges).toEqual([
            { metric: 'signout.health', value: 0 },
            { metric: 'signout.health', value: 1 },
        ]);
        expect(telemetry.total('signout.reconnects.cancelled')).toBe(1);
        expect(hankSessions()).toEqual([]);
        const [checked] = (await (await dependencies()).audit.listWatches()).filter((w) => w.requestId === requestId);
        expect(checked?.skippedSince).toBeUndefined();
    });

    it('keeps the watches of a tenant whose credential is refused', async () => {
        await watchHank(await dependencies());
        const wrong = await dependencies({ ...process.env, AZURE_CLIENT_SECRET: 'sim~wrong~secret' });
        const report = await runSweep('storm', wrong, 60_000);
        expect(report).toMatchObject({ watchedUsers: 1, watchesSkipped: 1, watchesEnded: 0 });
        expect((await wrong.audit.listWatches()).length).toBeGreaterThan(0);
    });

    it('keeps watches in an environment whose sessions cannot be listed', async () => {
        const deps = await dependencies();
        const requestId = await watchHank(deps);
        harness.simulator.addSession('PRODUCTION', hank.bcUserName);
        const fault = failSessionListings();
        const report = await runSweep('storm', deps, 60_000);
        harness.simulator.faults.remove(fault);
        expect(report).toMatchObject({ watchedUsers: 1, watchesSkipped: 1, reconnectsCancelled: 0 });
        expect((await deps.audit.listWatches()).some((w) => w.requestId === requestId)).toBe(true);
        // One environment down is not the service's health: the watch is kept, and lapses (its own alert) if it stays.
        expect(report.healthy).toBe(true);
    });

    it('reports a watch that could not be checked through the end of its window as lapsed', async () => {
        const telemetry = new RecordingTelemetry();
        const deps = await dependencies(process.env, telemetry);
        const requestId = await watchHank(deps);
        const fault = failSessionListings();
        clock = new Date(clock.getTime() + 5 * 60_000);
        await runSweep('storm', deps, 60_000);
        harness.simulator.faults.remove(fault);
        clock = new Date(clock.getTime() + 60 * 60_000);
        const report = await runSweep('storm', deps, 60_000);
        expect(report).toMatchObject({ watchesEnded: 1, watchesLapsed: 1 });
        const types = (await deps.audit.listEvents(requestId)).map((e) => e.type);
        expect(types).toEqual(expect.arrayContaining(['watch-lapsed', 'watch-ended']));
        // The `watches-lapsed` alert counts it; the log record names the request to look at.
        expect(telemetry.total('signout.watches.lapsed')).toBe(1);
        expect(telemetry.logs.filter((record) => record.event === 'watch-lapsed')).toEqual([
            expect.objectContaining({ requestId, tenantId: FIXTURE.tenantId, status: 'lapsed', level: 'warning' }),
        ]);
    });
});
