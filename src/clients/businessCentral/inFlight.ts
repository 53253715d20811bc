/** Listings in flight, per environment: a caller may join one instead of asking again. */
export type InFlight<T> = Map<string, Promise<T>>;

/**
 * Joins the call in flight under `key`, or starts one that later callers may join until it settles. Nothing is
 * kept after that: this shares one answer between callers that ask at the same moment, it is not a cache.
 */
export function joinInFlight<T>(calls: InFlight<T> | undefined, key: string, start: () => Promise<T>): Promise<T> {
    if (!calls) return start();
    const running = calls.get(key);
    if (running) return running;
    const call = start();
    calls.set(key, call);
    const forget = () => calls.delete(key);
    call.then(forget, forget);
    return call;
}
