import { failedSteps, sessionsCancelled } from '../../../src/core/service/requestTelemetry';
import type { SignOutResult, SystemOutcome } from '../../../src/core/result';

const at = '2025-01-01T00:00:00.000Z';
const counts = (cancelled: number) => ({ found: cancelled, cancelled, alreadyGone: 0, residual: 0 });

function result(systems: SystemOutcome[][], overrides: Partial<SignOutResult> = {}): SignOutResult {
    return {
        requestId: 'R-1',
        status: 'partial',
        dryRun: false,
        startedAt: at,
        finishedAt: at,
        users: systems.map((list, i) => ({ user: `user${i}@contoso.com`, outcome: 'processed', systems: list })),
        environments: [
            { name: 'PRODUCTION', status: 'partial' },
            { name: 'UAT', status: 'failed', code: 'http-503' },
            { name: 'OLD', status: 'skipped', code: 'environment-not-active' },
        ],
        residualRisk: { notes: [] },
        ...overrides,
    };
}

const failedUat: SystemOutcome = { system: 'bc.UAT.sessions', status: 'failed', at, code: 'http-503' };

describe('what telemetry says about a result', () => {
    const partial = result([
        [
            { system: 'entra.revoke', status: 'succeeded', at },
            { system: 'bc.PRODUCTION.sessions', status: 'succeeded', at, counts: counts(2) },
            failedUat,
        ],
        [{ system: 'bc.PRODUCTION.sessions', status: 'succeeded', at, counts: counts(3) }, failedUat],
        [{ system: 'entra.block', status: 'failed', at }],
    ]);

    it('counts the sessions the steps cancelled, and none for a dry run', () => {
        expect(sessionsCancelled(partial)).toBe(5);
        expect(sessionsCancelled({ ...partial, dryRun: true })).toBe(0);
    });

    it('names each step not done once, by system and code, with no user, and not a skipped environment', () => {
        expect(failedSteps(partial)).toEqual([
            'bc.UAT.sessions http-503 ×2',
            'entra.block failed',
            'environment UAT http-503',
        ]);
        expect(failedSteps(partial).join(' ')).not.toMatch(/contoso/);
        expect(failedSteps(undefined)).toEqual([]);
    });
});
