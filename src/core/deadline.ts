/** The floor of a call's own time-out: a call needs a moment even when the deadline is all but spent. */
const MIN_CALL_TIMEOUT_IN_MS = 1_000;

/**
 * A call's time-out: its own limit, but never past the request's deadline, so a synchronous preview or an attempt
 * ends when it must even while a remote service hangs.
 */
export function callTimeoutInMs(timeoutInMs: number, deadlineAt: number | undefined, now: number = Date.now()): number {
    if (deadlineAt === undefined) return timeoutInMs;
    return Math.max(MIN_CALL_TIMEOUT_IN_MS, Math.min(timeoutInMs, deadlineAt - now));
}
