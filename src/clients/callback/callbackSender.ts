import type { CallbackOutcome, Callbacks } from '../../core/ports/callbacks';
import { callbackUrlProblem } from '../../core/request/callbackPolicy';
import { decideRetry, isRetryableStatus, parseRetryAfter, type RetryOptions } from '../../core/retryPolicy';
import { sleep as realSleep, type Sleep } from '../http/sleep';

export interface CallbackSenderOptions {
    allowedHosts: readonly string[];
    timeoutInMs: number;
    retry: RetryOptions;
    sleep?: Sleep;
}

/**
 * POSTs a final result to the request's callback URL. The allow-list is checked again at send time (settings may have
 * changed since acceptance) and redirects are not followed, so no request can make the service call an internal host.
 */
export class CallbackSender implements Callbacks {
    constructor(private readonly options: CallbackSenderOptions) {}

    async send(url: string, payload: unknown): Promise<CallbackOutcome> {
        const refused = callbackUrlProblem(url, this.options.allowedHosts);
        if (refused) return { delivered: false, reason: `refused: ${refused}`, attempts: 0 };
        const sleep = this.options.sleep ?? realSleep;
        for (let attempt = 1; ; attempt++) {
            let status: number | undefined;
            let retryAfter: number | undefined;
            try {
                const response = await fetch(url, {
                    method: 'POST',
                    headers: { 'content-type': 'application/json' },
                    body: JSON.stringify(payload),
                    redirect: 'manual',
                    signal: AbortSignal.timeout(this.options.timeoutInMs),
                });
                status = response.status;
                await response.body?.cancel();
                if (status >= 200 && status < 300) return { delivered: true, status, attempts: attempt };
                if (!isRetryableStatus(status))
                    return { delivered: false, reason: `answered ${status}`, status, attempts: attempt };
                retryAfter = parseRetryAfter(response.headers.get('retry-after'));
            } catch {
                status = undefined;
            }
            const decision = decideRetry(attempt, retryAfter, this.options.retry, Number.POSITIVE_INFINITY);
            if (!decision.retry)
                return {
                    delivered: false,
                    reason: status ? `answered ${status}` : 'unreachable',
                    ...(status && { status }),
                    attempts: attempt,
                };
            await sleep(decision.delayInMs);
        }
    }
}
