import { decideRetry, parseRetryAfter, retryDelayInMs } from '../../../src/core/retryPolicy';

const options = { maxAttempts: 4, baseDelayInMs: 100, maxDelayInMs: 1_000 };

describe('retry policy', () => {
    it('reads Retry-After as seconds or as an HTTP date', () => {
        const now = Date.parse('2026-11-26T10:00:00Z');
        expect(parseRetryAfter('7', now)).toBe(7_000);
        expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
        expect(parseRetryAfter('soon', now)).toBeUndefined();
        expect(parseRetryAfter(null, now)).toBeUndefined();
    });

    it("lets the server's Retry-After win over the cap", () => {
        expect(retryDelayInMs(1, 5_000, options)).toBe(5_000);
    });

    it('backs off exponentially with jitter, capped', () => {
        expect(retryDelayInMs(1, undefined, options, () => 0)).toBe(50);
        expect(retryDelayInMs(3, undefined, options, () => 1)).toBe(400);
        expect(retryDelayInMs(10, undefined, options, () => 1)).toBe(1_000);
    });

    it('stops at the attempt limit and before the deadline', () => {
        expect(decideRetry(4, undefined, options, 60_000)).toEqual({ retry: false });
        expect(decideRetry(1, 10_000, options, 5_000)).toEqual({ retry: false });
        expect(decideRetry(1, 1_000, options, 5_000)).toEqual({ retry: true, delayInMs: 1_000 });
    });
});
