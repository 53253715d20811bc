/**
 * Run in a process of its own by test/integration/azureMonitor.test.ts: starts telemetry as the first invocation
 * does (the real Azure Monitor distro, from the settings in the environment), records one of each kind inside the
 * trace a host would hand over (the W3C `traceparent` given as the argument), sends everything and exits.
 */
import { shutdownAzureMonitor } from '@azure/monitor-opentelemetry';
import { processTelemetry } from '../../src/composition/telemetry';
import { readConfig } from '../../src/config';

async function main(traceParent: string): Promise<void> {
    const telemetry = await processTelemetry(readConfig(process.env));
    await telemetry.continueTrace({ traceParent }, () =>
        telemetry.span('signout.process', { requestId: 'SMOKE-1', tenantId: 'tenant-1' }, async (span) => {
            const call = { service: 'graph' as const, method: 'POST', url: 'https://graph.example/v1.0/$batch?x=1' };
            await telemetry.dependency(call, async (dependency) => dependency.set({ statusCode: 200 }));
            telemetry.count('signout.requests', 1, { status: 'completed', source: 'http' });
            telemetry.gauge('signout.health', 1);
            telemetry.log({ level: 'information', event: 'request-finished', requestId: 'SMOKE-1', message: 'done' });
            span.set({ status: 'completed' });
        }),
    );
    await shutdownAzureMonitor();
}

main(process.argv[2] ?? '').catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
