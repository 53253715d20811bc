import { tenantServicesFactory } from '../../src/composition/tenantServices';
import { readConfig } from '../../src/config';
import { FIXTURE, startSimulator, type TenantSimulator } from '../simulator';

const { alice, bob, dan, erin, hank } = FIXTURE.users;
const users = [alice, bob, dan, erin, hank];
let simulator: TenantSimulator | undefined;
afterEach(async () => {
    await simulator?.close();
    simulator = undefined;
});

/**
 * Revokes five users through the real Graph client in one `$batch` whose first two revocations are throttled (429,
 * `Retry-After: 0`), with the whole batch answering `batchStatus` as the simulator is told to.
 */
async function revokeWithThrottledBatch(batchStatus: 200 | 424 | 429) {
    simulator = await startSimulator({ throttledBatchStatus: batchStatus });
    simulator.faults.add({
        service: 'graph',
        method: 'POST',
        path: /revokeSignInSessions$/,
        kind: 'throttle',
        retryAfterSeconds: 0,
        times: 2,
    });
    const config = readConfig({ ...simulator.settings(), AzureWebJobsStorage: 'UseDevelopmentStorage=true' });
    const { directory } = tenantServicesFactory(config)(config.identity.tenantId, Date.now() + 60_000);
    const results = await directory.revokeSignInSessions(users.map((user) => user.id));
    const revocations = simulator.callsTo('graph', 'POST', /revokeSignInSessions$/);
    return {
        results,
        /** Per user, how many revocations Graph carried out (not counting throttled ones). */
        carriedOut: users.map((user) => revocations.filter((c) => c.path.includes(user.id) && c.status === 200).length),
        batches: simulator.callsTo('graph', 'POST', /\$batch$/).map((call) => call.status),
    };
}

describe('Graph $batch retries', () => {
    it.each([200, 424, 429] as const)(
        'sends again only the throttled items when the batch answers %i, never a revocation that succeeded',
        async (batchStatus) => {
            const { results, carriedOut, batches } = await revokeWithThrottledBatch(batchStatus);
            expect([...results.values()].every((result) => result.ok)).toBe(true);
            expect(carriedOut).toEqual([1, 1, 1, 1, 1]);
            // The first batch held all five; the second only the two that were throttled.
            expect(batches).toEqual([batchStatus, 200]);
            const items = simulator!.callsTo('graph', 'POST', /revokeSignInSessions$/);
            expect(items).toHaveLength(7);
        },
    );
});
