/** Listings in flight, per environment, each with the deadline it runs under: a caller may join one. */
export type InFlight<T> = Map<string, { call: Promise<T>; deadlineAt: number }>;

/**
 * How much earlier than the caller's own the deadline of a call it joins may be: shards started seconds apart
 * share a listing, a sign-out never rides on a preview's (25 s against 240 s by default).
 */
const JOIN_SLACK_IN_MS = 30_000;

/**
 * Joins the call in flight under `key` when it runs under a deadline about as late as the caller's or later (a call
 * bound by a preview's short deadline must not cut a sign-out's short), or starts one that later callers may join until it
 * settles. Nothing is kept after that: this shares one answer between callers that ask at the same moment, it is not
 * a cache.
 */
export function joinInFlight<T>(
    calls: InFlight<T> | undefined,
    key: string,
    deadlineAt: number,
    start: () => Promise<T>,
): Promise<T> {
    if (!calls) return start();
    const running = calls.get(key);
    if (running && running.deadlineAt >= deadlineAt - JOIN_SLACK_IN_MS) return running.call;
    const call = start();
    calls.set(key, { call, deadlineAt });
    const forget = () => {
        if (calls.get(key)?.call === call) calls.delete(key);
    };
    call.then(forget, forget);
    return call;
}
