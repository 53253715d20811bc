import { runSignOut } from '../engine/signOutEngine';
import { TrailJournal } from '../engine/stepJournal';
import { AuthenticationFailedError } from '../errors';
import type { RequestRecord, WatchRecord } from '../ports/auditStore';
import type { SpanScope } from '../ports/telemetry';
import type { SignOutRequest } from '../request/signOutRequest';
import type { SignOutResult } from '../result';
import { ProgressTracker } from './requestProgress';
import { acceptedEvent, finishRequest } from './requestTrail';
import { requestAttributes } from './requestTelemetry';
import { telemetryOf, type ServiceDependencies } from './serviceDependencies';
import { SerialWriter } from './serialWriter';
import { dispatchRequest, settleRequest } from './shards';
import { UserIndexWriter } from './userIndexWriter';

export interface AttemptInfo {
    /** The host's delivery count of the message (1 on the first delivery). */
    dequeueCount: number;
    /** Who holds the lease: one invocation, so two copies of a message in one process do not both run. */
    owner: string;
    /**
     * Set when the attempt came from the queue: how many times the request was handed on already. Such an attempt,
     * stopped only by a service's quota or throttling, hands the request on to a message that becomes visible when
     * the wait is over, rather than use up the host's deliveries. A CLI run has no queue and waits instead.
     */
    continuation?: number;
}

export type ProcessOutcome =
    | { kind: 'finished'; record: RequestRecord }
    | { kind: 'already-final'; record: RequestRecord }
    /** A request split into shards: they are on the queue; the last to end finishes it. */
    | { kind: 'sharded'; record: RequestRecord }
    /** Handed on to a later message, after a wait a service imposed. */
    | { kind: 'continued'; record: RequestRecord; visibleInMs: number }
    | { kind: 'unknown-request' };

/** How many times one request is handed on for a quota before its attempts count against the host's deliveries. */
const MAX_CONTINUATIONS = 20;
/** How long a continuation waits when no service said how long: about a Graph resource-unit window. */
const DEFAULT_CONTINUATION_DELAY_IN_MS = 10_000;

/**
 * The attempt stopped before the request was final: `busy` (another worker holds the lease) or `transient`
 * (failures another attempt may overcome). The queue trigger throws it on, so the host delivers the message again;
 * a CLI run has no such redelivery and tells the admin to resume.
 */
export class RetryLaterError extends Error {
    override readonly name = 'RetryLaterError';
    constructor(
        readonly requestId: string,
        readonly code: 'busy' | 'transient',
    ) {
        super(
            code === 'busy'
                ? `Request ${requestId} is being processed by another worker`
                : `Request ${requestId} stopped on transient failures before it was final`,
        );
    }
}

/**
 * Runs a claimed request under a lease. Steps done by an earlier attempt are read back from the audit trail and not
 * repeated. Transient failures ask the host for another delivery, except on the last one, which finishes with
 * what it has (a truthful `partial`) rather than leaving the request to the poison queue.
 */
export function processRequest(
    requestId: string,
    attempt: AttemptInfo,
    deps: ServiceDependencies,
): Promise<ProcessOutcome> {
    return telemetryOf(deps).span('signout.process', { requestId, attempt: attempt.dequeueCount }, async (span) => {
        const outcome = await attemptRequest(requestId, attempt, deps, span);
        span.set({ status: outcome.kind === 'unknown-request' ? 'unknown' : outcome.record.state });
        await settleParentOf(outcome, attempt, deps);
        return outcome;
    });
}

/**
 * A shard that has ended (now, or in an earlier delivery whose settling did not finish) may be its request's last:
 * then the request is finished here. While another worker is finishing it, this delivery comes back later, in case
 * that worker dies first.
 */
async function settleParentOf(outcome: ProcessOutcome, attempt: AttemptInfo, deps: ServiceDependencies): Promise<void> {
    if (outcome.kind !== 'finished' && outcome.kind !== 'already-final') return;
    const parentId = outcome.record.parentRequestId;
    if (parentId && (await settleRequest(parentId, attempt.owner, deps)) === 'busy')
        throw new RetryLaterError(parentId, 'busy');
}

async function attemptRequest(
    requestId: string,
    attempt: AttemptInfo,
    deps: ServiceDependencies,
    span: SpanScope,
): Promise<ProcessOutcome> {
    const now = () => deps.now?.() ?? new Date();
    const started = await deps.audit.startAttempt(requestId, attempt.owner, deps.settings.leaseInMs, now());
    if (started.kind !== 'unknown') span.set(requestAttributes(started.record));
    switch (started.kind) {
        case 'unknown':
            return { kind: 'unknown-request' };
        case 'final':
            return { kind: 'already-final', record: started.record };
        case 'busy':
            throw new RetryLaterError(requestId, 'busy');
    }
    const request = started.record.request;
    if (!request) return { kind: 'already-final', record: started.record };
    if (started.record.shardCount) {
        // Its shards run it; this delivery only makes sure they are all claimed and queued.
        try {
            await dispatchRequest(started.record, deps);
        } finally {
            await deps.audit.releaseAttempt(requestId, attempt.owner).catch(() => undefined);
        }
        return { kind: 'sharded', record: started.record };
    }
    const heartbeat = renewWhileRunning(requestId, attempt.owner, deps);
    try {
        return await runUnderLease(request, started.record, attempt, deps);
    } catch (error) {
        // Best effort: an expired lease frees the request anyway.
        await deps.audit.releaseAttempt(requestId, attempt.owner).catch(() => undefined);
        throw error;
    } finally {
        clearInterval(heartbeat);
    }
}

/** Keeps the lease while this worker lives; if it dies, the lease runs out and a redelivery takes over. */
function renewWhileRunning(requestId: string, owner: string, deps: ServiceDependencies): NodeJS.Timeout {
    const leaseInMs = deps.settings.leaseInMs;
    const timer = setInterval(() => {
        deps.audit.renewAttempt(requestId, owner, leaseInMs, deps.now?.()).catch(() => undefined);
    }, leaseInMs / 3);
    timer.unref();
    return timer;
}

async function runUnderLease(
    request: SignOutRequest,
    record: RequestRecord,
    attempt: AttemptInfo,
    deps: ServiceDependencies,
): Promise<ProcessOutcome> {
    const now = () => deps.now?.() ?? new Date();
    const requestId = request.requestId;
    // Before anything is touched: a guard that cannot be evaluated stops the attempt (the host delivers it again).
    const deadlineAt = now().getTime() + deps.settings.requestDeadlineInMs;
    const protectedSet = await deps.protectedSets.get(request.tenantId, { waitUntil: deadlineAt });
    const trail = await deps.audit.openTrail(requestId);
    const progress = new ProgressTracker(request.users.length);
    const journal = new TrailJournal(trail, (outcomes) => progress.count(outcomes));
    // The claim wrote only the record: the first attempt opens the trail with what was accepted.
    const opened = trail.events().some((event) => event.type === 'request-accepted');
    await journal.note([
        ...(opened ? [] : [acceptedEvent(record)]),
        {
            type: 'attempt-started',
            data: { attempt: record.attempts, dequeueCount: attempt.dequeueCount, worker: attempt.owner },
        },
    ]);
    const index = new UserIndexWriter(deps.audit, requestId, record.createdAt);
    // A bulk request's watches go batch after batch, not a transaction per group of users at its busy start.
    const watchWriter = new SerialWriter((watches: WatchRecord[]) => deps.audit.upsertWatches(watches));
    index.add(request.users);
    const stopReporting = reportProgress(requestId, request.tenantId, attempt.owner, progress, deps);
    let result: SignOutResult;
    try {
        result = await runSignOut(
            request,
            {
                ...deps.tenantServices(request.tenantId, deadlineAt),
                protectedSet,
                journal,
                holds: {
                    upsertHold: (hold) => deps.audit.upsertHold(hold),
                    listHoldsFor: (objectId) => deps.audit.listHoldsFor(objectId),
                    upsertWatches: (watches) => watchWriter.add(watches),
                },
                onResolved: (users) => index.add(users.flatMap((user) => [user.id, user.userPrincipalName])),
                telemetry: telemetryOf(deps),
                now,
            },
            deps.settings.engine,
        );
    } catch (error) {
        if (!(error instanceof AuthenticationFailedError)) throw error;
        result = authenticationFailure(request, error, now());
    } finally {
        stopReporting();
    }
    // Everything written in the background is stored before the request ends, or goes on in the next attempt.
    await Promise.all([journal.flush(), index.done(), watchWriter.done()]);

    const lastAttempt = attempt.dequeueCount >= deps.settings.maxDequeueCount;
    if (onlyWaitsLeft(result) && attempt.continuation !== undefined && attempt.continuation < MAX_CONTINUATIONS) {
        const visibleInMs = Math.max(progress.waitLeftInMs() ?? DEFAULT_CONTINUATION_DELAY_IN_MS, 1_000);
        const continuation = attempt.continuation + 1;
        await journal.note([
            {
                type: 'attempt-continued',
                status: result.status,
                detail: `${progress.snapshot().waiting ?? 'Waiting for a service'}: handed on to a message visible in ${Math.ceil(visibleInMs / 1000)} s`,
                data: { continuation, visibleInMs },
            },
        ]);
        await journal.flush();
        await deps.queue.enqueue({ workItem: { requestId, continuation } }, { visibleInMs });
        await deps.audit.releaseAttempt(requestId, attempt.owner);
        return { kind: 'continued', record, visibleInMs };
    }
    if (hasRetryableFailures(result) && !lastAttempt) {
        await journal.note([
            {
                type: 'attempt-incomplete',
                status: result.status,
                // True for every caller: the queue's host delivers again, a CLI run is resumed by the admin.
                detail: 'stopped on transient failures; the request stays open for another attempt',
            },
        ]);
        await journal.flush();
        throw new RetryLaterError(requestId, 'transient');
    }
    return {
        kind: 'finished',
        record: await finishRequest(request, result, { owner: attempt.owner, deadlineAt }, trail, deps),
    };
}

function hasRetryableFailures(result: SignOutResult): boolean {
    return result.users.some((user) => user.systems.some((system) => system.retryable));
}

/** True when something is left to retry and every such step waits only for a service's quota or throttling (429). */
function onlyWaitsLeft(result: SignOutResult): boolean {
    const retryable = result.users.flatMap((user) => user.systems.filter((system) => system.retryable));
    return retryable.length > 0 && retryable.every((system) => system.statusCode === 429);
}

/** How often a running request's progress is written to its record, for its status to show. */
const PROGRESS_EVERY_MS = 10_000;

/**
 * Writes the request's progress to its record now and then, with the waits the services impose on its tenant as
 * they start: a status read while a bulk request waits for Graph's quota says so instead of going silent.
 */
function reportProgress(
    requestId: string,
    tenantId: string,
    owner: string,
    progress: ProgressTracker,
    deps: ServiceDependencies,
): () => void {
    const unsubscribe = deps.throttling.subscribe((notice) => {
        if (notice.tenantId === tenantId) progress.throttled(notice);
    });
    const timer = setInterval(() => {
        deps.audit.recordProgress(requestId, owner, progress.snapshot()).catch(() => undefined);
    }, PROGRESS_EVERY_MS);
    timer.unref();
    return () => {
        clearInterval(timer);
        unsubscribe();
    };
}

/** Wrong or missing credentials fail every call alike: the request fails with the AADSTS code, never the secret. */
function authenticationFailure(request: SignOutRequest, error: AuthenticationFailedError, at: Date): SignOutResult {
    const when = at.toISOString();
    return {
        requestId: request.requestId,
        status: 'failed',
        dryRun: request.dryRun,
        startedAt: when,
        finishedAt: when,
        users: request.users.map((user) => ({
            user,
            outcome: 'failed',
            detail: `authentication failed (${error.code})`,
            systems: [],
        })),
        environments: [],
        residualRisk: { notes: [`The service could not authenticate (${error.code}); nothing was changed.`] },
    };
}
