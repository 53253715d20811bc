/**
 * One retry policy for every service: 429/503/504 honour `Retry-After` (seconds or an HTTP date); other transient
 * failures back off exponentially with jitter, capped; everything else fails fast.
 */
export interface RetryOptions {
    maxAttempts: number;
    baseDelayInMs: number;
    maxDelayInMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 5, baseDelayInMs: 500, maxDelayInMs: 30_000 };

/** Statuses worth another try: throttling and the server-side failures that are usually passing. */
export function isRetryableStatus(status: number): boolean {
    return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
    if (!value) return undefined;
    const trimmed = value.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    return Math.max(0, date - now);
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1). A server's `Retry-After` wins, even above the cap:
 * retrying earlier only earns another 429.
 */
export function retryDelayInMs(
    attempt: number,
    retryAfterInMs: number | undefined,
    options: RetryOptions,
    random: () => number = Math.random,
): number {
    if (retryAfterInMs !== undefined) return retryAfterInMs;
    const exponential = Math.min(options.maxDelayInMs, options.baseDelayInMs * 2 ** (attempt - 1));
    return Math.round(exponential / 2 + (random() * exponential) / 2);
}

export type RetryDecision = { retry: true; delayInMs: number } | { retry: false };

/** Whether to try again, given the attempt just failed transiently and the time left before the deadline. */
export function decideRetry(
    attempt: number,
    retryAfterInMs: number | undefined,
    options: RetryOptions,
    timeLeftInMs: number,
    random?: () => number,
): RetryDecision {
    if (attempt >= options.maxAttempts) return { retry: false };
    const delayInMs = retryDelayInMs(attempt, retryAfterInMs, options, random);
    if (delayInMs >= timeLeftInMs) return { retry: false };
    return { retry: true, delayInMs };
}
