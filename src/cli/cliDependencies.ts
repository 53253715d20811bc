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

/** Enough for the largest request (20,000 users) to wait out Graph's write quota. */
const CLI_REQUEST_DEADLINE_MS = 3_600_000;

export function createCliDependencies(config: AppConfig, options: { queue: boolean }): Promise<ServiceDependencies> {
    // No host stops a CLI run and no queue takes a request on: it runs a request whole and waits out Graph's write
    // quota (3,000 users per 150 s) itself, showing the wait, within an hour unless the settings give more.
    const requestDeadlineInMs = Math.max(config.requestDeadlineInMs, CLI_REQUEST_DEADLINE_MS);
    return createServiceDependencies(
        { ...config, requestDeadlineInMs },
        {
            // An admin's run reports to nobody but the admin and the audit: a workstation has no managed identity to
            // send telemetry with, and a short-lived process would have to wait for the export before it exits.
            telemetry: NO_TELEMETRY,
            ...(!options.queue && { queue: NO_QUEUE }),
        },
    );
}
