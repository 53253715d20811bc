import { joinInFlight, type InFlight } from '../../../src/clients/businessCentral/inFlight';

/** Calls that answer at once, numbered in the order they were started. */
function listings() {
    let started = 0;
    return { start: () => Promise.resolve(`listing ${++started}`), started: () => started };
}

describe('joinInFlight', () => {
    it('shares a call with callers whose deadline is about as late as the one it runs under, or sooner', async () => {
        const calls: InFlight<string> = new Map();
        const { start, started } = listings();
        const first = joinInFlight(calls, 'production', 240_000, start);
        const sooner = joinInFlight(calls, 'production', 1_000, start);
        // Another shard, started a few seconds later.
        const later = joinInFlight(calls, 'production', 245_000, start);
        expect(await Promise.all([first, sooner, later])).toEqual(['listing 1', 'listing 1', 'listing 1']);
        expect(started()).toBe(1);
    });

    it('starts its own call when the one in flight would stop at an earlier deadline, and keeps the later', async () => {
        const calls: InFlight<string> = new Map();
        const { start } = listings();
        const preview = joinInFlight(calls, 'production', 25_000, start);
        const signOut = joinInFlight(calls, 'production', 240_000, start);
        const another = joinInFlight(calls, 'production', 200_000, start);
        expect(await Promise.all([preview, signOut, another])).toEqual(['listing 1', 'listing 2', 'listing 2']);
        expect(calls.size).toBe(0);
    });
});
