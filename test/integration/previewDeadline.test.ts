import { createServiceDependencies } from '../../src/composition/serviceDependencies';
import { readConfig } from '../../src/config';
import { GuardUnavailableError } from '../../src/core/guard/guardErrors';
import { previewRequest } from '../../src/core/service/previewRequest';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';

let harness: AppHarness;
beforeAll(async () => {
    harness = await startAppHarness({ settings: { PREVIEW_DEADLINE_MS: '1500' } });
});
afterAll(async () => harness.close());
afterEach(() => harness.simulator.faults.clear());

const CALLER = { kind: 'cli' as const, id: 'test', verified: false };
const preview = { users: [FIXTURE.users.alice.userPrincipalName], reason: 'what if' };

describe('preview deadline', () => {
    it('answers with what it could learn when Graph hangs, instead of waiting for it', async () => {
        const deps = await createServiceDependencies(readConfig(process.env));
        await deps.protectedSets.get(FIXTURE.tenantId);
        harness.simulator.faults.add({ service: 'graph', kind: 'latency', latencyMs: 60_000 });
        const outcome = await previewRequest(preview, CALLER, deps);
        expect(outcome.kind).toBe('previewed');
        const result = outcome.kind === 'previewed' ? outcome.result : undefined;
        expect(result?.users[0]).toMatchObject({
            outcome: 'failed',
            detail: 'could not be resolved or guarded: timeout; nothing was done',
        });
        expect(result?.status).toBe('failed');
    }, 20_000);

    it('says the guard is unavailable, within the deadline, when Graph hangs before anyone is known to be protected', async () => {
        const deps = await createServiceDependencies(readConfig(process.env));
        harness.simulator.faults.add({ service: 'graph', kind: 'latency', latencyMs: 60_000 });
        // The fault holds Graph for a minute: only a bounded wait ends within the test's time.
        await expect(previewRequest(preview, CALLER, deps)).rejects.toThrow(GuardUnavailableError);
    }, 20_000);
});
