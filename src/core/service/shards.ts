import { mapWithConcurrency } from '../concurrency';
import type { RequestRecord, RequestSource } from '../ports/auditStore';
import type { SignOutRequest } from '../request/signOutRequest';
import { FINAL_STATES, type RequestProgress, type SignOutResult } from '../result';
import { mergeShardResults } from './shardResults';
import { acceptedEvent, finishRequest } from './requestTrail';
import type { ServiceDependencies } from './serviceDependencies';

/**
 * A request of more users than `SHARD_SIZE`, from the HTTP API or the queue, is split when it is accepted into
 * shards: requests of their own (`<request id>.shard-001`, ...), each a work item any Function instance runs, each
 * resumed from its own journal. The request's record keeps what was accepted; when its last shard ends, their
 * results are merged into it and its callback fires, once. The CLI runs a request whole, in its own process.
 */

/** Shard records claimed, and their work items queued, at once. */
const FAN_OUT_CONCURRENCY = 16;
/** Shard records read at once while checking whether all have ended. */
const SETTLE_READ_CONCURRENCY = 20;

/** The id of a request's shard `index` (from 0): `<request id>.shard-001`. */
export function shardIdOf(requestId: string, index: number): string {
    return `${requestId}.shard-${String(index + 1).padStart(3, '0')}`;
}

/** How many shards a request is split into; undefined when it runs whole (few users, or the CLI runs it). */
export function shardCountOf(users: number, source: RequestSource, shardSize: number): number | undefined {
    return source !== 'cli' && users > shardSize ? Math.ceil(users / shardSize) : undefined;
}

/**
 * The shards of a request: its users in contiguous slices of near-equal size, each with everything else of the
 * request except the callback (the request calls back once, when the last shard ends). Derived only from the
 * accepted request and the shard count its record keeps, so the same request always splits the same way.
 */
export function shardsOf(request: SignOutRequest, shardCount: number): SignOutRequest[] {
    const { callbackUrl: _callbackUrl, ...rest } = request;
    const total = request.users.length;
    return Array.from({ length: shardCount }, (_, index) => ({
        ...rest,
        requestId: shardIdOf(request.requestId, index),
        users: request.users.slice(
            Math.floor((index * total) / shardCount),
            Math.floor(((index + 1) * total) / shardCount),
        ),
    }));
}

/**
 * Puts a claimed request's work on the queue: its work item, or, for a request split into shards, each shard claimed
 * as a request of its own and queued. Safe to repeat (a duplicate post, a redelivered message): a shard already
 * claimed is the same shard, and one known queued is not queued again; the work itself is leased.
 */
export async function dispatchRequest(record: RequestRecord, deps: ServiceDependencies): Promise<void> {
    if (record.shardCount && record.request) await fanOut(record, record.request, record.shardCount, deps);
    else await deps.queue.enqueue({ workItem: { requestId: record.requestId } });
    await deps.audit.markEnqueued(record.requestId, (deps.now?.() ?? new Date()).toISOString());
}

async function fanOut(
    record: RequestRecord,
    request: SignOutRequest,
    shardCount: number,
    deps: ServiceDependencies,
): Promise<void> {
    const shards = shardsOf(request, shardCount);
    const trail = await deps.audit.openTrail(record.requestId);
    if (!trail.events().some((event) => event.type === 'request-sharded'))
        await trail.append([
            ...(trail.events().some((event) => event.type === 'request-accepted') ? [] : [acceptedEvent(record)]),
            {
                type: 'request-sharded',
                detail: `${request.users.length} users in ${shardCount} shards`,
                data: { shards: shards.map((shard) => ({ requestId: shard.requestId, users: shard.users.length })) },
            },
        ]);
    await mapWithConcurrency(shards, FAN_OUT_CONCURRENCY, async (shard) => {
        const claimed = await deps.audit.claimRequest({
            requestId: shard.requestId,
            tenantId: record.tenantId,
            state: 'accepted',
            source: record.source,
            caller: record.caller,
            request: shard,
            ...(record.requestSha256 && { requestSha256: record.requestSha256 }),
            ...(record.reason !== undefined && { reason: record.reason }),
            ...(record.ticketNumber && { ticketNumber: record.ticketNumber }),
            userCount: shard.users.length,
            createdAt: record.createdAt,
            parentRequestId: record.requestId,
        });
        const stored = claimed.claimed ? claimed.record : claimed.existing;
        if (stored.state !== 'accepted' || stored.enqueuedAt) return;
        await deps.queue.enqueue({ workItem: { requestId: shard.requestId } });
        await deps.audit.markEnqueued(shard.requestId, (deps.now?.() ?? new Date()).toISOString());
    });
}

export type SettleOutcome = 'open' | 'settled' | 'busy';

/**
 * After one of its shards ended: when every shard has, merges their results into the request and finishes it (its
 * callback fires here, once). `busy` when another worker is finishing it right now: the caller comes back later,
 * in case that worker dies before it is done.
 */
export async function settleRequest(
    requestId: string,
    owner: string,
    deps: ServiceDependencies,
): Promise<SettleOutcome> {
    const now = () => deps.now?.() ?? new Date();
    const record = await deps.audit.getRequest(requestId);
    if (!record?.shardCount || FINAL_STATES.includes(record.state)) return 'settled';
    const shards = await finishedShards(requestId, record.shardCount, deps);
    if (!shards) return 'open';
    const settler = `settle:${owner}`;
    const started = await deps.audit.startAttempt(requestId, settler, deps.settings.leaseInMs, now());
    if (started.kind === 'busy') return 'busy';
    if (started.kind !== 'acquired' || !started.record.request) return 'settled';
    try {
        const request = started.record.request;
        const result = mergeShardResults(request, shards, deps.settings.engine, now());
        const trail = await deps.audit.openTrail(requestId);
        const deadlineAt = now().getTime() + deps.settings.requestDeadlineInMs;
        await finishRequest(request, result, { owner: settler, deadlineAt }, trail, deps);
        return 'settled';
    } catch (error) {
        await deps.audit.releaseAttempt(requestId, settler).catch(() => undefined);
        throw error;
    }
}

/**
 * Every shard's record when all have ended; undefined as soon as one is found open. Read from the last shard back,
 * because shards are queued in order and the last ones end last.
 */
async function finishedShards(
    requestId: string,
    shardCount: number,
    deps: ServiceDependencies,
): Promise<RequestRecord[] | undefined> {
    const found: RequestRecord[] = [];
    const indexes = Array.from({ length: shardCount }, (_, index) => shardCount - 1 - index);
    for (let start = 0; start < indexes.length; start += SETTLE_READ_CONCURRENCY) {
        const records = await Promise.all(
            indexes
                .slice(start, start + SETTLE_READ_CONCURRENCY)
                .map((index) => deps.audit.getRequest(shardIdOf(requestId, index))),
        );
        for (const shard of records) {
            if (!shard || !FINAL_STATES.includes(shard.state)) return undefined;
            found.push(shard);
        }
    }
    return found.reverse();
}

/**
 * A sharded request's progress, from its shards: steps done per system over all of them, the wait that ends last,
 * and how many shards have ended (an ended shard that wrote no progress counts its users as done nowhere).
 */
export async function shardedProgress(record: RequestRecord, deps: ServiceDependencies): Promise<RequestProgress> {
    const total = record.shardCount ?? 0;
    const shards = await mapWithConcurrency(
        Array.from({ length: total }, (_, index) => shardIdOf(record.requestId, index)),
        SETTLE_READ_CONCURRENCY,
        (shardId) => deps.audit.getRequest(shardId),
    );
    const done: Record<string, number> = {};
    let waiting: RequestProgress['waiting'];
    let updatedAt = record.updatedAt;
    for (const shard of shards) {
        const progress = shard?.result ? progressOfResult(shard.result) : shard?.progress;
        for (const [system, count] of Object.entries(progress?.done ?? {})) done[system] = (done[system] ?? 0) + count;
        if (shard?.progress?.waiting && !FINAL_STATES.includes(shard.state)) waiting = shard.progress.waiting;
        if (shard && shard.updatedAt > updatedAt) updatedAt = shard.updatedAt;
    }
    return {
        updatedAt,
        users: record.userCount,
        done,
        ...(waiting && { waiting }),
        shards: { total, ended: shards.filter((shard) => shard && FINAL_STATES.includes(shard.state)).length },
    };
}

/** An ended shard's steps per system, from its result: each user whose step there is over. */
function progressOfResult(result: SignOutResult): Pick<RequestProgress, 'done'> {
    const done: Record<string, number> = {};
    for (const user of result.users)
        for (const system of user.systems) done[system.system] = (done[system.system] ?? 0) + 1;
    return { done };
}
