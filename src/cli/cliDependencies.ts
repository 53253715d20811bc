import type { AppConfig } from '../config';
import { createServiceDependencies } from '../composition/serviceDependencies';
import type { RequestQueue } from '../core/ports/requestQueue';
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

export function createCliDependencies(config: AppConfig, options: { queue: boolean }): Promise<ServiceDependencies> {
    return createServiceDependencies(config, options.queue ? {} : { queue: NO_QUEUE });
}
