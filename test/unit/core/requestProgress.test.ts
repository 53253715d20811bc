import { describeWait, ProgressTracker } from '../../../src/core/service/requestProgress';
import type { SystemOutcome } from '../../../src/core/result';

const done = (system: string): { outcome: SystemOutcome } => ({
    outcome: { system, status: 'succeeded', at: '2024-05-01T10:00:00.000Z' },
});

describe('request progress', () => {
    it('counts steps done per system, and shows a wait only while it lasts', () => {
        let now = Date.parse('2024-05-01T10:00:00.000Z');
        const tracker = new ProgressTracker(5000, () => now);
        tracker.count([done('entra.revoke'), done('entra.revoke'), done('bc.PRODUCTION.sessions')]);
        tracker.throttled({ tenantId: 't', service: 'graph', reason: 'write quota', waiting: 2000, waitInMs: 139_000 });
        expect(tracker.snapshot()).toEqual({
            updatedAt: '2024-05-01T10:00:00.000Z',
            users: 5000,
            done: { 'entra.revoke': 2, 'bc.PRODUCTION.sessions': 1 },
            waiting: 'Graph write quota: 2,000 user(s) wait 139 s',
        });
        now += 140_000;
        expect(tracker.snapshot().waiting).toBeUndefined();
    });

    it('names the service and what waits', () => {
        expect(
            describeWait({ tenantId: 't', service: 'bc-admin', reason: 'throttled', waiting: 1, waitInMs: 1_500 }),
        ).toBe('Business Central admin center throttled: calls wait 2 s');
    });
});
