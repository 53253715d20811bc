import type { CallbackOptions, CallbackOutcome, Callbacks } from '../../core/ports/callbacks';
import { callTimeoutInMs } from '../../core/deadline';
import { NO_TELEMETRY, type Telemetry } from '../../core/ports/telemetry';
import { callbackUrlProblem } from '../../core/request/callbackPolicy';
import { decideRetry, isRetryableStatus, parseRetryAfter, type RetryOptions } from '../../core/retryPolicy';
import { sleep as realSleep, type Sleep } from '../http/sleep';

/**
 * The longest a callback waits before trying again, whatever `Retry-After` a receiver sends: a receiver asking for a
 * day must not hold the worker until the host kills it (and the callback's outcome is never written).
 */
const MAX_CALLBACK_WAIT_IN_MS = 60_000;

export interface CallbackSenderOptions {
    allowedHosts: readonly string[];
    timeoutInMs: number;
    retry: RetryOptions;
    sleep?: Sleep;
    /** For tests; defaults to the system clock. */
    now?: () => number;
    /** Each attempt is a dependency, recorded by the receiver's origin only (its URL may hold a signature). */
    telemetry?: Telemetry;
}

/**
 * POSTs a final result to the request's callback URL. The allow-list is checked again at send time (settings may have
 * changed since acceptance) and redirects are not followed, so no request can make the service call an internal host.
 * Every attempt and every wait stays within the request's deadline.
 */
export class CallbackSender implements Callbacks {
    constructor(private readonly options: CallbackSenderOptions) {}

    async send(url: string, payload: unknown, options: CallbackOptions = {}): Promise<CallbackOutcome> {
        const refused = callbackUrlProblem(url, this.options.allowedHosts);
        if (refused) return { delivered: false, reason: `refused: ${refused}`, attempts: 0 };
        const sleep = this.options.sleep ?? realSleep;
        const now = this.options.now ?? Date.now;
        const telemetry = this.options.telemetry ?? NO_TELEMETRY;
        const deadlineAt = options.deadlineAt ?? Number.POSITIVE_INFINITY;
        for (let attempt = 1; ; attempt++) {
            let status: number | undefined;
            let retryAfter: number | undefined;
            let failure: string;
            const timeoutInMs = callTimeoutInMs(this.options.timeoutInMs, options.deadlineAt, now());
            try {
                const response = await telemetry.dependency(
                    { service: 'callback', method: 'POST', url },
                    async (span) => {
                        const answer = await fetch(url, {
                            method: 'POST',
                            headers: { 'content-type': 'application/json' },
                            body: JSON.stringify(payload),
                            redirect: 'manual',
                            signal: AbortSignal.timeout(timeoutInMs),
                        });
                        span.set({ statusCode: answer.status });
                        return answer;
                    },
                );
                status = response.status;
                await response.body?.cancel();
                if (status >= 200 && status < 300) return { delivered: true, status, attempts: attempt };
                if (!isRetryableStatus(status))
                    return { delivered: false, reason: `answered ${status}`, status, attempts: attempt };
                retryAfter = parseRetryAfter(response.headers.get('retry-after'), now());
                failure = `answered ${status}`;
            } catch (error) {
                failure = timedOut(error) ? `no answer within ${timeoutInMs} ms` : 'unreachable';
            }
            const wait = retryAfter === undefined ? undefined : Math.min(retryAfter, MAX_CALLBACK_WAIT_IN_MS);
            const decision = decideRetry(attempt, wait, this.options.retry, deadlineAt - now());
            if (!decision.retry) {
                const outOfAttempts = attempt >= this.options.retry.maxAttempts;
                return {
                    delivered: false,
                    reason: outOfAttempts
                        ? `${failure} (${attempt} attempts)`
                        : `${failure}; the request's deadline left no time to try again`,
                    ...(status && { status }),
                    attempts: attempt,
                };
            }
            await sleep(decision.delayInMs);
        }
    }
}

/** The abort of `AbortSignal.timeout`: a `DOMException`, which is not always an `Error` of the caller's realm. */
function timedOut(error: unknown): boolean {
    const name = (error as { name?: unknown } | null)?.name;
    return name === 'TimeoutError' || name === 'AbortError';
}
