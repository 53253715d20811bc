/**
 * A 429 or 503: the service asked to wait (platform-facts §1, §2, §3), as opposed to failing otherwise. Each wait after
 * one is counted (`signout.throttling.waits`), so a quota too small for the load shows before requests fail.
 */
export function isThrottling(status: number | undefined): boolean {
    return status === 429 || status === 503;
}
