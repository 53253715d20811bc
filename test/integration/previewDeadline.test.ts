import { createServiceDependencies } from '../../src/composition/serviceDependencies';
import { readConfig } from '../../src/config';
import { previewRequest } from '../../src/core/service/previewRequest';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';

let harness: AppHarness;
beforeAll(async () => {
    harness = await startAppHarness({ settings: { PREVIEW_DEADLINE_MS: '1500' } });
});
afterAll(async () => harness.close());

describe('preview deadline', () => {
    it('answers with what it could learn when Graph hangs, instead of waiting for it', async () => {
        const deps = await createServiceDependencies(readConfig(process.env));
        harness.simulator.faults.add({ service: 'graph', kind: 'latency', latencyMs: 60_000 });
        const outcome = await previewRequest(
            { users: [FIXTURE.users.alice.userPrincipalName], reason: 'what if' },
            { kind: 'cli', id: 'test', verified: false },
            deps,
        );
        harness.simulator.faults.clear();
        expect(outcome.kind).toBe('previewed');
        const result = outcome.kind === 'previewed' ? outcome.result : undefined;
        expect(result?.users[0]).toMatchObject({ outcome: 'failed', detail: 'could not be resolved: timeout' });
        expect(result?.status).toBe('failed');
    }, 20_000);
});
