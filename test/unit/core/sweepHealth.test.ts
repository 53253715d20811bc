import type { AuditStore } from '../../../src/core/ports/auditStore';
import type { ServiceDependencies } from '../../../src/core/service/serviceDependencies';
import { runSweep } from '../../../src/core/service/sweep';
import { RecordingTelemetry } from '../../support/recordingTelemetry';

/** Only the lease is reached before the health is known: a sweep that cannot take it needs nothing else. */
function withLease(tryAcquireLease: AuditStore['tryAcquireLease']): {
    deps: ServiceDependencies;
    telemetry: RecordingTelemetry;
} {
    const telemetry = new RecordingTelemetry();
    const audit = { tryAcquireLease } as Partial<AuditStore> as AuditStore;
    return { deps: { audit, telemetry } as Partial<ServiceDependencies> as ServiceDependencies, telemetry };
}

describe('the health the sweep records', () => {
    it('is 0 when the sweep cannot even take its lease (storage unreachable), and the failure is thrown on', async () => {
        const down = Object.assign(new Error('connect ECONNREFUSED'), { name: 'RestError', code: 'ECONNREFUSED' });
        const { deps, telemetry } = withLease(() => Promise.reject(down));
        await expect(runSweep('w', deps, 60_000)).rejects.toBe(down);
        expect(telemetry.gauges).toEqual([{ metric: 'signout.health', value: 0 }]);
        expect(telemetry.spans).toEqual([{ name: 'sweep', attributes: {}, failed: true }]);
    });

    it('is not recorded by a run skipped because another sweep holds the lease: that one records it', async () => {
        const { deps, telemetry } = withLease(async () => false);
        expect((await runSweep('w', deps, 60_000)).skipped).toBeDefined();
        expect(telemetry.gauges).toEqual([]);
        expect(telemetry.spans).toEqual([{ name: 'sweep', attributes: { status: 'skipped' }, failed: false }]);
    });
});
