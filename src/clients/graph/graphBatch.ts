import type * as GraphClientModule from '@microsoft/microsoft-graph-client';
import type { Client } from '@microsoft/microsoft-graph-client';
import { ServiceError, TransientServiceError } from '../../core/errors';
import { chunk } from '../../core/concurrency';
import { callTimeoutInMs } from '../../core/deadline';
import { NO_TELEMETRY, type Telemetry } from '../../core/ports/telemetry';
import { decideRetry, isRetryableStatus, parseRetryAfter, type RetryOptions } from '../../core/retryPolicy';
import { isThrottling } from '../http/throttling';
import type { Sleep } from '../http/sleep';
import { credentialFailure } from '../identity/acquireToken';
import type { BatchCost, GraphQuota } from './graphQuota';

/** Graph refuses more than 20 requests in one `$batch` (platform-facts §1). */
const GRAPH_BATCH_LIMIT = 20;

export interface BatchStep {
    /** Caller's key for the answer. */
    key: string;
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
    /** Relative and without the version: `BatchRequestContent` would keep a `/v1.0` prefix that Graph refuses. */
    url: string;
    body?: unknown;
    /** Keys of steps that must succeed first (Graph answers 424 otherwise); kept when they travel in the same batch. */
    dependsOn?: readonly string[];
    /**
     * Never sent twice when a batch's answer is lost (a time-out or a dropped connection: Graph may have done it): it
     * then fails as `answer-lost`, and the caller verifies the effect instead of repeating the write.
     */
    onceOnly?: boolean;
}

export interface BatchAnswer {
    status: number;
    body: unknown;
}

export interface GraphBatchOptions {
    /** Paces every batch of the tenant (in this process) to Graph's quotas: no fixed number in flight. */
    quota: GraphQuota;
    /** The Graph endpoint the client calls, e.g. `https://graph.microsoft.com`. */
    graphEndpoint: string;
    timeoutInMs: number;
    retry: RetryOptions;
    deadlineAt?: number;
    sleep: Sleep;
    /** Each `$batch` call is a dependency; each wait after throttling is counted. */
    telemetry?: Telemetry;
}

interface WireResponse {
    id: string;
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
}

/** The items' answers of one batch call, its status, and its own `Retry-After` when it failed whole. */
interface BatchReply {
    status: number;
    items: Map<string, WireResponse>;
    retryAfterInMs?: number;
}

/**
 * Runs steps through `$batch`, 20 per batch, each batch sent as soon as Graph's quotas allow (`GraphQuota`). Items
 * throttled inside a batch (429 with their own `Retry-After`), failing with 503/504, or answering 424 are retried here
 * after the longest `Retry-After` among them, which also pauses the tenant's other batches; items that succeeded are
 * never sent again, even when the whole batch answered 424 or 429 with their answers in its body (platform-facts §1),
 * so a revocation does not spend write quota twice. A wait for the quota that would end after the deadline is not
 * waited: its items fail as passing (`quota-wait`, with when to come back).
 */
export async function runBatched(
    client: Client,
    steps: readonly BatchStep[],
    options: GraphBatchOptions,
): Promise<Map<string, BatchAnswer | ServiceError>> {
    const answers = new Map<string, BatchAnswer | ServiceError>();
    const telemetry = options.telemetry ?? NO_TELEMETRY;
    const batches = chunk(steps, GRAPH_BATCH_LIMIT).map(async (batch) => {
        let pending = batch;
        for (let attempt = 1; pending.length > 0; attempt++) {
            const sent = pending;
            const acquired = await options.quota.acquire(costOf(sent), options.deadlineAt);
            if (!acquired.ok) {
                const wait = new TransientServiceError(
                    'graph',
                    429,
                    'quota-wait',
                    `Graph's quota leaves no room before the deadline: wait ${Math.ceil(acquired.waitInMs / 1000)} s`,
                    acquired.waitInMs,
                );
                for (const step of sent) answers.set(step.key, wait);
                break;
            }
            const outcome = await recordedBatch(client, sent, options, telemetry);
            const retry: BatchStep[] = [];
            let retryAfterInMs: number | undefined;
            // What the last failure was, so an item that runs out of retries reports it truthfully.
            let lastFailure: TransientServiceError | undefined;
            // Whether Graph asked to wait (429/503), for the throttling metric, rather than failed otherwise.
            let throttled = false;
            // Whether any answer was a 429: the tenant's quota is spent, so every batch of the tenant waits.
            let quotaSpent = false;
            if (outcome instanceof TransientServiceError) {
                const lost = outcome.statusCode === undefined;
                for (const step of pending)
                    if (lost && step.onceOnly) answers.set(step.key, answerLost(outcome));
                    else retry.push(step);
                retryAfterInMs = outcome.retryAfterInMs;
                lastFailure = outcome;
                throttled = isThrottling(outcome.statusCode);
                quotaSpent = outcome.statusCode === 429;
            } else if (outcome instanceof ServiceError) {
                for (const step of pending) answers.set(step.key, outcome);
            } else {
                retryAfterInMs = outcome.retryAfterInMs;
                for (const step of pending) {
                    const response = outcome.items.get(step.key);
                    if (response && dependencyFailedForGood(step, response, outcome.items)) {
                        answers.set(step.key, { status: response.status, body: response.body });
                    } else if (!response || isRetryableStatus(response.status) || response.status === 424) {
                        retry.push(step);
                        const after = parseRetryAfter(headerOf(response?.headers, 'retry-after'));
                        if (after !== undefined) retryAfterInMs = Math.max(retryAfterInMs ?? 0, after);
                        const status = response?.status;
                        throttled ||= isThrottling(status);
                        quotaSpent ||= status === 429;
                        const code = status === 429 ? 'throttled' : `http-${status ?? 'none'}`;
                        lastFailure = new TransientServiceError(
                            'graph',
                            status,
                            code,
                            `Graph answered ${status ?? 'nothing'} for an item`,
                            after,
                        );
                    } else {
                        answers.set(step.key, { status: response.status, body: response.body });
                    }
                }
            }
            if (retry.length === 0) break;
            if (retryAfterInMs !== undefined && quotaSpent) options.quota.pause(retryAfterInMs);
            const timeLeft = (options.deadlineAt ?? Number.POSITIVE_INFINITY) - Date.now();
            const decision = decideRetry(attempt, retryAfterInMs, options.retry, timeLeft);
            if (!decision.retry) {
                for (const step of retry) answers.set(step.key, lastFailure!);
                break;
            }
            if (throttled) telemetry.count('signout.throttling.waits', 1, { service: 'graph' });
            await options.sleep(decision.delayInMs);
            pending = retry;
        }
    });
    await Promise.all(batches);
    return answers;
}

function answerLost(failure: TransientServiceError): TransientServiceError {
    return new TransientServiceError(
        'graph',
        undefined,
        'answer-lost',
        `Graph's answer was lost (${failure.code}): the change may have been made`,
        undefined,
    );
}

/** A 424 whose dependency in the same batch failed with an answer no retry changes (e.g. 404): final too. */
function dependencyFailedForGood(
    step: BatchStep,
    response: WireResponse,
    items: ReadonlyMap<string, WireResponse>,
): boolean {
    if (response.status !== 424) return false;
    return (step.dependsOn ?? []).some((key) => {
        const dependency = items.get(key);
        return (
            dependency !== undefined &&
            (dependency.status < 200 || dependency.status >= 300) &&
            !isRetryableStatus(dependency.status) &&
            dependency.status !== 424
        );
    });
}

const LIST = /^\/(users(\?|$)|groups\/[^/]+\/transitiveMembers|roleManagement\/|auditLogs\/)/;

/** What a batch spends of the quotas: a list 2 resource units, any other request 1; a POST or PATCH one write. */
function costOf(steps: readonly BatchStep[]): BatchCost {
    let units = 0;
    let writes = 0;
    for (const step of steps) {
        units += step.method === 'GET' && LIST.test(step.url) ? 2 : 1;
        if (step.method === 'POST' || step.method === 'PATCH') writes++;
    }
    return { units, writes };
}

/** One `$batch` call as a dependency, with its status and how many steps it carried. */
function recordedBatch(
    client: Client,
    steps: readonly BatchStep[],
    options: GraphBatchOptions,
    telemetry: Telemetry,
): Promise<BatchReply | ServiceError> {
    const call = { service: 'graph' as const, method: 'POST', url: `${options.graphEndpoint}/v1.0/$batch` };
    return telemetry.dependency(call, async (span) => {
        const reply = await postBatch(client, steps, callTimeoutInMs(options.timeoutInMs, options.deadlineAt));
        span.set({
            itemCount: steps.length,
            statusCode: reply instanceof ServiceError ? reply.statusCode : reply.status,
        });
        return reply;
    });
}

/**
 * One `$batch` call, sent once: the SDK's retry middleware is off for it, because it would send the whole batch again
 * on a 429/503/504, items that succeeded included. The raw response is read here, whatever its status, so the
 * items' answers a failed batch still carries decide what is retried.
 */
async function postBatch(
    client: Client,
    steps: readonly BatchStep[],
    timeoutInMs: number,
): Promise<BatchReply | ServiceError> {
    const { ResponseType, RetryHandlerOptions } =
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('@microsoft/microsoft-graph-client') as typeof GraphClientModule;
    const ids = new Map(steps.map((step, index) => [step.key, String(index)]));
    const requests = steps.map((step, index) => {
        // A dependency answered in an earlier batch is no longer one: only those sent along are named.
        const dependsOn = (step.dependsOn ?? []).flatMap((key) => ids.get(key) ?? []);
        return {
            id: String(index),
            method: step.method,
            url: step.url,
            ...(dependsOn.length > 0 && { dependsOn }),
            ...(step.body !== undefined && { body: step.body, headers: { 'Content-Type': 'application/json' } }),
        };
    });
    let response: Response;
    let body: { responses?: unknown; error?: { code?: unknown } } | undefined;
    try {
        response = (await client
            .api('/$batch')
            .option('signal', AbortSignal.timeout(timeoutInMs))
            .middlewareOptions([new RetryHandlerOptions(0, 0)])
            .responseType(ResponseType.RAW)
            .post({ requests })) as Response;
        body = (await response.json().catch(() => undefined)) as typeof body;
    } catch (error) {
        // A credential that cannot get a token fails every call alike: no retry, the caller reports it.
        const authentication = credentialFailure(error, 'Microsoft Graph');
        if (authentication) throw authentication;
        return toGraphError(error);
    }
    const retryAfterInMs = response.ok ? undefined : parseRetryAfter(response.headers.get('retry-after'));
    if (!Array.isArray(body?.responses)) {
        if (response.ok) return { status: response.status, items: new Map() };
        const code = typeof body?.error?.code === 'string' ? body.error.code : undefined;
        return toGraphError({ statusCode: response.status, code }, retryAfterInMs);
    }
    const items = new Map<string, WireResponse>();
    for (const item of body.responses as WireResponse[]) {
        const step = steps[Number(item.id)];
        if (step) items.set(step.key, item);
    }
    return { status: response.status, items, ...(retryAfterInMs !== undefined && { retryAfterInMs }) };
}

/**
 * A `$batch` call that failed whole, with no item answers to go by: a lost connection, a time-out or an error status
 * (an older page says a batch can answer 424 whole).
 */
function toGraphError(error: unknown, retryAfterInMs?: number): ServiceError {
    const statusCode =
        typeof (error as { statusCode?: unknown }).statusCode === 'number'
            ? (error as { statusCode: number }).statusCode
            : undefined;
    const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined;
    if (statusCode === undefined || statusCode <= 0 || isRetryableStatus(statusCode) || statusCode === 424) {
        const label = timedOut(error) ? 'timeout' : (code ?? `http-${statusCode ?? 'none'}`);
        return new TransientServiceError(
            'graph',
            statusCode && statusCode > 0 ? statusCode : undefined,
            label,
            `Graph batch call failed: ${label}`,
            retryAfterInMs,
        );
    }
    return new ServiceError('graph', statusCode, code ?? `http-${statusCode}`, `Graph answered ${statusCode}`);
}

/** The SDK wraps a fetch abort in a `GraphError` (status -1) whose `body` is the abort's own text. */
function timedOut(error: unknown): boolean {
    const name = error instanceof Error ? error.name : '';
    const body = String((error as { body?: unknown }).body ?? '');
    return name === 'TimeoutError' || name === 'AbortError' || /^(TimeoutError|AbortError)\b/.test(body);
}

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
    if (!headers) return undefined;
    const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
    return key ? headers[key] : undefined;
}
