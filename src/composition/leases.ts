/**
 * How long a worker owns a request without renewing. The live worker renews it (a third of the way through), so a
 * crashed worker's request is free again within two minutes and a redelivery takes over.
 */
export const REQUEST_LEASE_IN_MS = 2 * 60_000;
/** Shorter than the default schedule's five minutes, so a crashed sweep frees the lease before the next run. */
export const SWEEP_LEASE_IN_MS = 4.5 * 60_000;
