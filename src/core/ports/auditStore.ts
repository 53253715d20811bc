import type { FieldProblem } from '../errors';
import type { SignOutRequest } from '../request/signOutRequest';
import type { RequestProgress, RequestState, SignOutResult } from '../result';

/** Who called: recorded with every request. Never holds a token. */
export interface Caller {
    kind: 'app-service-auth' | 'function-key' | 'queue' | 'cli' | 'timer';
    /** Principal id (object id, else app id), or a descriptive id such as the queue name or `unauthenticated`. */
    id: string;
    /** The principal's name or UPN; for a queue message, the `requestedBy` it claims. */
    name?: string;
    /** Entra object id of the calling user or service principal. */
    objectId?: string;
    /** App (client) id of the calling application. */
    appId?: string;
    /** The API's app roles the caller holds; absent where roles do not apply (queue messages, the CLI). */
    roles?: string[];
    /**
     * True when a token proved who called (App Service authentication, the CLI's own Entra sign-in); false when the
     * identity is only claimed (a queue message's `requestedBy`) or absent (a function key alone).
     */
    verified: boolean;
    /** The operating-system user and host the CLI ran as, `user@host`. */
    osUser?: string;
}

export type RequestSource = 'http' | 'queue' | 'cli';

export interface RequestRecord {
    requestId: string;
    tenantId: string;
    state: RequestState;
    source: RequestSource;
    caller: Caller;
    /** Absent only for a rejected or dead-lettered message that could not be parsed. */
    request?: SignOutRequest;
    reason?: string;
    ticketNumber?: string;
    userCount: number;
    createdAt: string;
    updatedAt: string;
    /** Attempts started by workers (queue dequeue count or CLI runs). */
    attempts: number;
    leaseOwner?: string;
    leaseUntil?: string;
    result?: SignOutResult;
    problems?: FieldProblem[];
    /** While running: how far it is (steps done per system, what it waits for). */
    progress?: RequestProgress;
    /** Why the state was last set without a result (`setState` detail, e.g. the dead-letter reason). */
    stateDetail?: string;
    /** SHA-256 of the request as the requester gave it (`requestContentSha256`): the same id must mean the same request. */
    requestSha256?: string;
    /** When its work item was put on the queue; absent while that is not known to have succeeded. */
    enqueuedAt?: string;
    /** A request split into shards (more users than `SHARD_SIZE`): how many; its result is theirs, merged. */
    shardCount?: number;
    /** A shard: the request it is part of. */
    parentRequestId?: string;
}

export type NewRequestRecord = Omit<
    RequestRecord,
    'updatedAt' | 'attempts' | 'leaseOwner' | 'leaseUntil' | 'result' | 'enqueuedAt'
>;

/** One request's share of a caller's recent usage (CALLER_MAX_USERS_PER_HOUR). */
export interface UsageEntry {
    requestId: string;
    users: number;
    at: string;
}

export type ClaimOutcome = { claimed: true; record: RequestRecord } | { claimed: false; existing: RequestRecord };

export type AttemptOutcome =
    | { kind: 'acquired'; record: RequestRecord }
    | { kind: 'final'; record: RequestRecord }
    | { kind: 'busy'; record: RequestRecord }
    | { kind: 'unknown' };

/** One audit event as written by a caller; the store adds sequence, time and hashes. */
export interface AuditEventInput {
    /** e.g. `request-accepted`, `attempt-started`, `step-intent`, `step-outcome`, `reconnect-cancelled`, `hold-released`. */
    type: string;
    /** Resumability key of an engine step, e.g. `entra.revoke:<objectId>`. */
    step?: string;
    user?: string;
    system?: string;
    status?: string;
    detail?: string;
    data?: Record<string, unknown>;
}

export interface AuditEvent extends AuditEventInput {
    requestId: string;
    sequence: number;
    at: string;
    /** SHA-256 over this event's canonical content and `previousHash`; HMAC-SHA256 when `keyId` is set. */
    hash: string;
    previousHash: string;
    /** Id of the signing key (`AUDIT_SIGNING_KEY`) whose HMAC `hash` is; absent in an unkeyed chain. */
    keyId?: string;
}

/** Append-only, hash-chained events of one request. */
export interface AuditTrail {
    readonly requestId: string;
    events(): readonly AuditEvent[];
    append(events: readonly AuditEventInput[]): Promise<AuditEvent[]>;
}

/** `keyedEvents`: how many of the events read carry an HMAC of the configured key (`AUDIT_SIGNING_KEY`). */
export type VerifyReport =
    | { ok: true; requestsChecked: number; eventsChecked: number; keyedEvents: number }
    | {
          ok: false;
          requestsChecked: number;
          eventsChecked: number;
          keyedEvents: number;
          requestId: string;
          sequence: number;
          problem: string;
      };

/**
 * What the store appends when a record becomes final: the caller's closing events (e.g. `request-finished`), then
 * `record-sealed` with the hash of the record's fields; the record is then written anchored on the seal. `trail` is
 * the caller's own, when it has one open (no second read).
 */
export interface Closing {
    events?: readonly AuditEventInput[];
    trail?: AuditTrail;
}

export type FinalState = Exclude<RequestState, 'accepted' | 'running'>;

export interface Page<T> {
    items: T[];
    continuationToken?: string;
}

export interface RequestSummary {
    requestId: string;
    state: RequestState;
    source: RequestSource;
    createdAt: string;
    updatedAt: string;
    reason?: string;
    ticketNumber?: string;
    userCount: number;
    callerId: string;
}

export interface HistoryQuery {
    from?: Date;
    to?: Date;
    continuationToken?: string;
    pageSize?: number;
}

/** A user the sweep keeps watching: new sessions are cancelled until `until`. */
export interface WatchRecord {
    requestId: string;
    tenantId: string;
    objectId: string;
    userPrincipalName: string;
    /** Matched against BC contact e-mails when the sweep settles an identity the request could not. */
    mail: string | null;
    /** Per environment, the identity the request established and why; the sweep applies the request's rules. */
    identities: Record<string, WatchIdentity>;
    applicationFamily: string;
    environments: string[];
    until: string;
    /** Since when every pass has skipped the watch (something needed to judge it was unknown); absent when checked. */
    skippedSince?: string;
}

/** Whose sessions the sweep cancels in one environment, as the request established it. */
export interface WatchIdentity {
    /** Session user names cancelled on sight (upper case). */
    names: string[];
    /**
     * `automation`: the one BC user the Automation API maps to the person; `heuristic`: UPN, mail and a unique UPN
     * local part, where the Automation API refused the app; `unresolved`: nothing certain yet, the sweep decides
     * again on each pass with the same rules.
     */
    source: 'automation' | 'heuristic' | 'unresolved';
    why: string;
}

export type HoldKind = 'entra-block' | 'bc-disable';

/** A timed change this service made and must undo when `releaseAt` passes. */
export interface HoldRecord {
    requestId: string;
    tenantId: string;
    kind: HoldKind;
    objectId: string;
    userPrincipalName: string;
    environment?: string;
    bcUserSecurityId?: string;
    /** The value before this service changed it, and the value it set. */
    prior: string;
    setTo: string;
    changedAt: string;
    /** ISO time; `PERMANENT_RELEASE_AT` for a permanent hold, kept so that no timed hold releases under it. */
    releaseAt: string;
}

export const PERMANENT_RELEASE_AT = '2199-12-31T23:59:59.000Z';

export interface PurgeReport {
    requests: number;
    events: number;
    indexEntries: number;
    /** Requests old enough to go that were kept, because a hold or watch of theirs is still active. */
    kept: number;
    complete: boolean;
}

export interface AuditStore {
    /** Claims a request id once (`createEntity`; 409 = already known). */
    claimRequest(record: NewRequestRecord): Promise<ClaimOutcome>;
    getRequest(requestId: string): Promise<RequestRecord | undefined>;
    /**
     * Starts a worker attempt: takes the lease when the request is not final and the lease is free or expired
     * (a request left `running` past its lease can be taken over).
     */
    startAttempt(requestId: string, owner: string, leaseInMs: number, now?: Date): Promise<AttemptOutcome>;
    /** Extends the lease of a live worker; false when `owner` no longer holds it. */
    renewAttempt(requestId: string, owner: string, leaseInMs: number, now?: Date): Promise<boolean>;
    /** Gives the lease up without a result (the attempt stopped early), so the next delivery can start at once. */
    releaseAttempt(requestId: string, owner: string): Promise<void>;
    /** Writes the final result and state, sealed (see `Closing`); releases the lease. */
    finishRequest(requestId: string, owner: string, result: SignOutResult, closing?: Closing): Promise<RequestRecord>;
    /** Sets a final state without a result (e.g. `dead-lettered`), sealed, keeping everything else. */
    setState(requestId: string, state: FinalState, detail?: string, closing?: Closing): Promise<void>;
    /** Seals a record claimed in a final state (a refused message); does nothing when it is sealed already. */
    sealRecord(requestId: string, closing?: Closing): Promise<void>;
    /** How far a running request is, shown by its status; only while `owner` holds it (best effort, no retry). */
    recordProgress(requestId: string, owner: string, progress: RequestProgress): Promise<void>;
    /** Notes that the request's work item is on the queue, so posting the id again does not queue it twice. */
    markEnqueued(requestId: string, at: string): Promise<void>;
    /**
     * Reads a caller's usage entries, lets `change` decide, and writes what it returns with optimistic concurrency
     * (re-running `change` on a conflict), so concurrent requests of one caller are all counted.
     */
    updateCallerUsage<T>(
        callerKey: string,
        change: (entries: readonly UsageEntry[]) => { entries: readonly UsageEntry[]; result: T },
    ): Promise<T>;

    openTrail(requestId: string): Promise<AuditTrail>;
    listEvents(requestId: string): Promise<AuditEvent[]>;
    verifyTrail(requestId: string): Promise<VerifyReport>;
    verifyRange(from: Date, to: Date): Promise<VerifyReport>;

    /** Adds index entries so a user's history finds the request, by UPN and by object id. */
    indexUser(requestId: string, userKeys: readonly string[], at: string): Promise<void>;
    userHistory(userKey: string, query?: HistoryQuery): Promise<Page<RequestSummary>>;
    listRecent(query?: HistoryQuery): Promise<Page<RequestSummary>>;
    /** Requests created in the range and their events, one JSON object per line. */
    exportRange(from: Date, to: Date): AsyncIterable<string>;
    purgeOlderThan(cutoff: Date, options?: { maxEntities?: number }): Promise<PurgeReport>;

    upsertWatch(watch: WatchRecord): Promise<void>;
    /** Many watches at once, in transactions per request (a bulk request writes one per user). */
    upsertWatches(watches: readonly WatchRecord[]): Promise<void>;
    listWatches(): Promise<WatchRecord[]>;
    deleteWatch(requestId: string, objectId: string): Promise<void>;
    upsertHold(hold: HoldRecord): Promise<void>;
    /** Every hold not released yet, due or not: what an admin sees and may end early. */
    listHolds(): Promise<HoldRecord[]>;
    listDueHolds(now: Date): Promise<HoldRecord[]>;
    /** Every hold on one user, from any request: a release must not undo a hold another request still needs. */
    listHoldsFor(objectId: string): Promise<HoldRecord[]>;
    deleteHold(hold: Pick<HoldRecord, 'requestId' | 'kind' | 'objectId' | 'environment'>): Promise<void>;

    /** A named lease (e.g. the sweep) so overlapping runs do not double-act. */
    tryAcquireLease(name: string, owner: string, leaseInMs: number, now?: Date): Promise<boolean>;
    releaseLease(name: string, owner: string): Promise<void>;
}

/** `finishRequest` / `setState` on a request id the store does not know. */
export class RequestNotFoundError extends Error {
    override readonly name = 'RequestNotFoundError';
    readonly code = 'request-not-found';
    constructor(readonly requestId: string) {
        super(`Request ${requestId} is not known to the audit store`);
    }
}

/** `finishRequest` by a worker whose lease another worker took over: its result must not be written. */
export class LeaseLostError extends Error {
    override readonly name = 'LeaseLostError';
    readonly code = 'lease-lost';
    constructor(
        readonly requestId: string,
        readonly owner: string,
        readonly currentOwner: string | undefined,
    ) {
        super(`Request ${requestId}: lease of ${owner} was lost${currentOwner ? ` to ${currentOwner}` : ''}`);
    }
}
