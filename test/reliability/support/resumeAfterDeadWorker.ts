import { hostname } from 'node:os';
import { REQUEST_LEASE_IN_MS, SWEEP_LEASE_IN_MS } from '../../../src/composition/leases';
import { sharedServiceDependencies } from '../../../src/composition/serviceDependencies';
import { receiveQueueMessage } from '../../../src/core/service/receiveQueueMessage';
import { runSweep, type SweepReport } from '../../../src/core/service/sweep';
import { runQueuedSignOut } from '../../../src/functions/runQueuedSignOut';
import { pumpQueue, type PumpReport, type QueueHandler } from '../../support/hostEmulation';

export interface Resumption {
    /** The host's redeliveries while the dead worker's lease still held: each finds the request busy. */
    whileLeased: PumpReport;
    sweep: SweepReport;
    /** Deliveries of the message the sweep queued again, once the lease has expired. */
    afterLease: PumpReport;
}

/**
 * What happens after a worker died holding a request's lease (11 minutes), with the clock moved past the lease
 * instead of waiting for it: the host's remaining deliveries find the request busy and the message ends in the
 * poison queue; the sweep, once the lease has expired, queues the request again; that delivery resumes it.
 */
export async function resumeAfterDeadWorker(connectionString: string, queueName: string): Promise<Resumption> {
    const deps = await sharedServiceDependencies();
    const whileLeased = await pumpQueue(connectionString, queueName, runQueuedSignOut);
    const pastTheLease = REQUEST_LEASE_IN_MS + 60_000;
    const later = { ...deps, now: () => new Date(Date.now() + pastTheLease) };
    const sweep = await runSweep(`${hostname()}:resume-sweep`, later, SWEEP_LEASE_IN_MS);
    // The same as `runQueuedSignOut`, on the moved clock: the handler itself cannot be given a clock.
    const handler: QueueHandler = async (message, context) => {
        const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
        await receiveQueueMessage(message, { dequeueCount, owner: `${hostname()}:${context.invocationId}` }, later);
    };
    const afterLease = await pumpQueue(connectionString, queueName, handler);
    return { whileLeased, sweep, afterLease };
}
