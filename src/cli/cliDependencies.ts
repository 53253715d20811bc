import type { AppConfig } from '../config';
import { createServiceDependencies } from '../composition/serviceDependencies';
import type { RequestQueue } from '../core/ports/requestQueue';
import { NO_TELEMETRY } from '../core/ports/telemetry';
import type { ServiceDependencies } from '../core/service/serviceDependencies';

/**
 * The CLI is its own worker: it claims and runs requests in-process and never queues them, so outside the sweep
 * (which reports the poison queue) it needs no queue and does not create one.
 */
const NO_QUEUE: RequestQueue = {
    enqueue: async () => {
        throw new Error('the CLI runs requests itself and never queues them');
    },
    receivePoison: async () => [],
    deletePoison: async () => undefined,
};

/**
 * An admin's run reports to nobody but the admin and the audit: a workstation has no managed identity to send
 * telemetry with, and a short-lived process would have to wait for the export before it exits.
 */
export function createCliDependencies(config: AppConfig, options: { queue: boolean }): Promise<ServiceDependencies> {
    return createServiceDependencies(config, {
        telemetry: NO_TELEMETRY,
        ...(!options.queue && { queue: NO_QUEUE }),
    });
}
