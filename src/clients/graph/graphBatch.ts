import type { Client } from '@microsoft/microsoft-graph-client';
import { ServiceError, TransientServiceError } from '../../core/errors';
import { chunk, type Limiter } from '../../core/concurrency';
import { callTimeoutInMs } from '../../core/deadline';
import { decideRetry, isRetryableStatus, parseRetryAfter, type RetryOptions } from '../../core/retryPolicy';
import type { Sleep } from '../http/sleep';
import { credentialFailure } from '../identity/acquireToken';

/** Graph refuses more than 20 requests in one `$batch` (platform-facts §1). */
const GRAPH_BATCH_LIMIT = 20;

export interface BatchStep {
    /** Caller's key for the answer. */
    key: string;
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
    /** Relative and without the version: `BatchRequestContent` would keep a `/v1.0` prefix that Graph refuses. */
    url: string;
    body?: unknown;
}

export interface BatchAnswer {
    status: number;
    body: unknown;
}

export interface GraphBatchOptions {
    /** Shared by every batch of one directory client, so lookups and group checks together stay within it. */
    batchesInFlight: Limiter;
    timeoutInMs: number;
    retry: RetryOptions;
    deadlineAt?: number;
    sleep: Sleep;
}

interface WireResponse {
    id: string;
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
}

/**
 * Runs steps through `$batch`, 20 per batch, with the shared limit of batches in flight. The SDK middleware retries only
 * the outer request; items throttled inside a batch (429 with their own `Retry-After`), failing with 503/504, or
 * answering 424 are retried here after the longest `Retry-After` among them.
 */
export async function runBatched(
    client: Client,
    steps: readonly BatchStep[],
    options: GraphBatchOptions,
): Promise<Map<string, BatchAnswer | ServiceError>> {
    const answers = new Map<string, BatchAnswer | ServiceError>();
    const batches = chunk(steps, GRAPH_BATCH_LIMIT).map(async (batch) => {
        let pending = batch;
        for (let attempt = 1; pending.length > 0; attempt++) {
            const sent = pending;
            const outcome = await options.batchesInFlight.run(() =>
                postBatch(client, sent, callTimeoutInMs(options.timeoutInMs, options.deadlineAt)),
            );
            const retry: BatchStep[] = [];
            let retryAfterInMs: number | undefined;
            // What the last failure was, so an item that runs out of retries reports it truthfully.
            let lastFailure: TransientServiceError | undefined;
            if (outcome instanceof TransientServiceError) {
                retry.push(...pending);
                retryAfterInMs = outcome.retryAfterInMs;
                lastFailure = outcome;
            } else if (outcome instanceof ServiceError) {
                for (const step of pending) answers.set(step.key, outcome);
            } else {
                for (const step of pending) {
                    const response = outcome.get(step.key);
                    if (!response || isRetryableStatus(response.status) || response.status === 424) {
                        retry.push(step);
                        const after = parseRetryAfter(headerOf(response?.headers, 'retry-after'));
                        if (after !== undefined) retryAfterInMs = Math.max(retryAfterInMs ?? 0, after);
                        const status = response?.status;
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
            const timeLeft = (options.deadlineAt ?? Number.POSITIVE_INFINITY) - Date.now();
            const decision = decideRetry(attempt, retryAfterInMs, options.retry, timeLeft);
            if (!decision.retry) {
                for (const step of retry) answers.set(step.key, lastFailure!);
                break;
            }
            await options.sleep(decision.delayInMs);
            pending = retry;
        }
    });
    await Promise.all(batches);
    return answers;
}

async function postBatch(
    client: Client,
    steps: readonly BatchStep[],
    timeoutInMs: number,
): Promise<Map<string, WireResponse> | ServiceError> {
    const requests = steps.map((step, index) => ({
        id: String(index),
        method: step.method,
        url: step.url,
        ...(step.body !== undefined && { body: step.body, headers: { 'Content-Type': 'application/json' } }),
    }));
    try {
        const response = (await client
            .api('/$batch')
            .option('signal', AbortSignal.timeout(timeoutInMs))
            .post({ requests })) as {
            responses?: WireResponse[];
        };
        const byKey = new Map<string, WireResponse>();
        for (const item of response.responses ?? []) {
            const step = steps[Number(item.id)];
            if (step) byKey.set(step.key, item);
        }
        return byKey;
    } catch (error) {
        // A credential that cannot get a token fails every call alike: no retry, the caller reports it.
        const authentication = credentialFailure(error, 'Microsoft Graph');
        if (authentication) throw authentication;
        return toGraphError(error);
    }
}

/** Errors of the outer `$batch` call (after the SDK's own retries); an older page says it can answer 424 whole. */
function toGraphError(error: unknown): ServiceError {
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
            undefined,
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
