import type { TokenCredential } from '@azure/identity';
import type { AdaptiveLimiter } from '../../core/concurrency';
import { callTimeoutInMs } from '../../core/deadline';
import { ServiceError, TransientServiceError, type ServiceName } from '../../core/errors';
import { NO_TELEMETRY, type Telemetry } from '../../core/ports/telemetry';
import { decideRetry, isRetryableStatus, parseRetryAfter, type RetryOptions } from '../../core/retryPolicy';
import { acquireToken } from '../identity/acquireToken';
import { CollectionReader, MalformedBodyError } from './collectionReader';
import { sleep as realSleep, type Sleep } from './sleep';
import { isThrottling } from './throttling';

export interface ServiceHttpClientOptions {
    service: ServiceName;
    credential: TokenCredential;
    scope: string;
    timeoutInMs: number;
    retry: RetryOptions;
    /** Epoch ms after which no retry starts: the request's deadline. */
    deadlineAt?: number;
    /** Reads the service's error code from an error body; each API has its own shape. */
    errorCodeOf: (body: unknown) => string | undefined;
    sleep?: Sleep;
    /** Told of each wait after a 429, before it starts, so progress can say so. */
    onThrottled?: (waitInMs: number) => void;
    /** Each call is a dependency; each wait after throttling is counted. */
    telemetry?: Telemetry;
}

export interface ServiceResponse<T = unknown> {
    status: number;
    headers: Headers;
    /** The parsed answer; with `SendOptions.toItem`, without its items (`value: []`). */
    body: unknown;
    /** With `SendOptions.toItem`, for a 2xx answer: the items of its `value` array, read. */
    items?: T[];
}

export interface SendOptions<T = unknown> {
    body?: unknown;
    headers?: Record<string, string>;
    /** The service's concurrency limit this call counts against; it learns from the call's 429s and successes. */
    limiter?: AdaptiveLimiter;
    /**
     * For a collection: each item of a 2xx answer's `value` array is read into the caller's shape as it arrives
     * (undefined: left out), so a large listing is never held whole.
     */
    toItem?: (item: unknown) => T | undefined;
}

/**
 * Authenticated JSON calls with the one retry policy. Answers every response below 500 except 429 to the caller
 * (a 404 can be an answer); throws `TransientServiceError` when throttling or failures outlast the retries.
 */
export class ServiceHttpClient {
    private readonly sleep: Sleep;
    private readonly telemetry: Telemetry;

    constructor(private readonly options: ServiceHttpClientOptions) {
        this.sleep = options.sleep ?? realSleep;
        this.telemetry = options.telemetry ?? NO_TELEMETRY;
    }

    get service(): ServiceName {
        return this.options.service;
    }

    /** Epoch ms after which no retry starts (never, without a deadline). */
    get deadlineAt(): number {
        return this.options.deadlineAt ?? Number.POSITIVE_INFINITY;
    }

    async send<T = unknown>(method: string, url: string, options: SendOptions<T> = {}): Promise<ServiceResponse<T>> {
        for (let attempt = 1; ; attempt++) {
            const outcome = await this.attempt(method, url, options);
            if (!(outcome instanceof TransientServiceError)) return outcome;
            const timeLeft = (this.options.deadlineAt ?? Number.POSITIVE_INFINITY) - Date.now();
            const decision = decideRetry(attempt, outcome.retryAfterInMs, this.options.retry, timeLeft);
            if (!decision.retry) throw outcome;
            if (outcome.statusCode === 429) this.options.onThrottled?.(decision.delayInMs);
            if (isThrottling(outcome.statusCode))
                this.telemetry.count('signout.throttling.waits', 1, { service: this.options.service });
            await this.sleep(decision.delayInMs);
        }
    }

    /** Like `send`, but a status outside 2xx becomes a `ServiceError` carrying the service's code. */
    async sendOk<T = unknown>(method: string, url: string, options: SendOptions<T> = {}): Promise<ServiceResponse<T>> {
        const response = await this.send(method, url, options);
        if (response.status >= 200 && response.status < 300) return response;
        throw this.errorOf(response);
    }

    errorOf(response: ServiceResponse): ServiceError {
        const code = this.options.errorCodeOf(response.body) ?? `http-${response.status}`;
        return new ServiceError(
            this.options.service,
            response.status,
            code,
            `${this.options.service} answered ${response.status} ${code}`,
        );
    }

    /** One call: a dependency of its own, after the token (whose request the HTTP instrumentation records). */
    private async attempt<T>(
        method: string,
        url: string,
        options: SendOptions<T>,
    ): Promise<ServiceResponse<T> | TransientServiceError> {
        const token = await acquireToken(this.options.credential, this.options.scope);
        return this.telemetry.dependency({ service: this.options.service, method, url }, async (span) => {
            const outcome = await this.call(method, url, options, token);
            span.set({ statusCode: outcome instanceof TransientServiceError ? outcome.statusCode : outcome.status });
            return outcome;
        });
    }

    private async call<T>(
        method: string,
        url: string,
        options: SendOptions<T>,
        token: string,
    ): Promise<ServiceResponse<T> | TransientServiceError> {
        const headers: Record<string, string> = {
            accept: 'application/json',
            authorization: `Bearer ${token}`,
            ...options.headers,
        };
        if (options.body !== undefined) headers['content-type'] = 'application/json';
        // Cleared as soon as the answer is read: an `AbortSignal.timeout` would keep each call's signal, listeners
        // and timer alive for the whole time-out, thousands of them in a bulk run.
        const abort = new AbortController();
        let timer: NodeJS.Timeout | undefined;
        const call = async () => {
            // The time-out starts when the call leaves, not while it waits for its turn; it covers reading the body.
            timer = setTimeout(
                () => abort.abort(new DOMException('The call timed out', 'TimeoutError')),
                callTimeoutInMs(this.options.timeoutInMs, this.options.deadlineAt),
            );
            const answer = await fetch(url, {
                method,
                headers,
                ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
                signal: abort.signal,
            });
            if (answer.status === 429) options.limiter?.throttled();
            else if (answer.ok) options.limiter?.succeeded();
            return answer;
        };
        try {
            let response: Response;
            try {
                response = await (options.limiter ? options.limiter.run(call) : call());
            } catch (error) {
                return this.failedCall(callFailureCode(error));
            }
            if (options.toItem && response.ok) return await this.readCollection(response, options.toItem);
            let text: string;
            try {
                text = await response.text();
            } catch (error) {
                // Cut short: a failed call like one with no answer, never an answer without a body.
                return this.failedCall(callFailureCode(error));
            }
            const body = parseBody(text);
            if (isRetryableStatus(response.status)) {
                const code = this.options.errorCodeOf(body) ?? `http-${response.status}`;
                return new TransientServiceError(
                    this.options.service,
                    response.status,
                    code,
                    `${this.options.service} answered ${response.status} ${code}`,
                    parseRetryAfter(response.headers.get('retry-after')),
                );
            }
            return { status: response.status, headers: response.headers, body };
        } finally {
            clearTimeout(timer);
        }
    }

    /**
     * A collection read item by item as it arrives (collectionReader.ts). An answer cut short or not JSON is a failed
     * call, retried like one: it is never taken for a collection with fewer items.
     */
    private async readCollection<T>(
        response: Response,
        toItem: (item: unknown) => T | undefined,
    ): Promise<ServiceResponse<T> | TransientServiceError> {
        const items: T[] = [];
        const reader = new CollectionReader((raw) => {
            const item = toItem(raw);
            if (item !== undefined) items.push(item);
        });
        let body: unknown;
        // Whether a failure comes from reading the answer (the connection's) or from mapping an item (a bug: thrown).
        let mapping = false;
        try {
            if (response.body)
                for await (const chunk of response.body) {
                    mapping = true;
                    reader.push(chunk);
                    mapping = false;
                }
            mapping = true;
            body = reader.end();
        } catch (error) {
            if (error instanceof MalformedBodyError) return this.failedCall('malformed-body');
            if (mapping) throw error;
            return this.failedCall(callFailureCode(error));
        }
        return { status: response.status, headers: response.headers, body, items };
    }

    private failedCall(code: string): TransientServiceError {
        return new TransientServiceError(
            this.options.service,
            undefined,
            code,
            `${this.options.service} call failed: ${code}`,
            undefined,
        );
    }
}

/** Why a call got no answer: its time-out, or the connection. */
function callFailureCode(error: unknown): string {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return timedOut ? 'timeout' : 'connection-failed';
}

/** JSON when it is JSON; an error page's text as it came. */
function parseBody(text: string): unknown {
    if (!text) return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}
