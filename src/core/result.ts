/** What the engine reports: per user, per system, per environment, and what remains. */

export type OutcomeStatus = 'succeeded' | 'skipped' | 'failed' | 'not-found' | 'protected' | 'would-do';
export type RequestStatus = 'completed' | 'partial' | 'failed' | 'rejected';
/** Lifecycle of a request record, from acceptance to a final status. */
export type RequestState = 'accepted' | 'running' | RequestStatus | 'dead-lettered';

export const FINAL_STATES: readonly RequestState[] = ['completed', 'partial', 'failed', 'rejected', 'dead-lettered'];

export interface SessionCounts {
    found: number;
    cancelled: number;
    alreadyGone: number;
    residual: number;
}

/** One system's outcome for one user: `entra.revoke`, `entra.block`, `bc.<environment>.sessions`, `bc.<environment>.user`. */
export interface SystemOutcome {
    system: string;
    status: OutcomeStatus;
    at: string;
    detail?: string;
    /** The service's own error code, e.g. `Authorization_RequestDenied`. */
    code?: string;
    statusCode?: number;
    counts?: SessionCounts;
    /** Sessions matched by name heuristics because the Automation API was not available. */
    heuristic?: boolean;
    /** State before this service changed it, so a release restores only what we changed. */
    prior?: string;
    /** Until when a hold lasts (ISO), or `permanent`. */
    holdUntil?: string;
    /** The failure was transient (throttling, 5xx, time-out): another attempt may succeed. */
    retryable?: boolean;
}

export type UserOutcome = 'processed' | 'not-found' | 'protected' | 'failed';

export interface UserResult {
    /** The reference as the requester gave it. */
    user: string;
    outcome: UserOutcome;
    objectId?: string;
    userPrincipalName?: string;
    userType?: string;
    bcUserNames?: Record<string, string>;
    detail?: string;
    systems: SystemOutcome[];
}

export interface EnvironmentResult {
    name: string;
    /** Agrees with the users' steps in the environment: `partial` when some of them failed. */
    status: 'succeeded' | 'partial' | 'failed' | 'skipped';
    code?: string;
    detail?: string;
    /** Session users seen in the environment that matched no requested user: never touched. */
    unmatchedSessionUsers?: number;
    /** Their BC user names (the first hundred), so the audit shows who was left alone. */
    unmatchedSessionUserNames?: string[];
}

export interface ResidualRisk {
    /** When Entra says sessions issued before it are invalid (`signInSessionsValidFromDateTime`). */
    revokedAt?: string;
    /** Until when access tokens already issued may still reconnect a BC session (BC is not known to honour CAE). */
    tokensMayReconnectUntil?: string;
    watchUntil?: string;
    notes: string[];
}

export interface SignOutResult {
    requestId: string;
    status: RequestStatus;
    dryRun: boolean;
    startedAt: string;
    finishedAt: string;
    users: UserResult[];
    environments: EnvironmentResult[];
    residualRisk: ResidualRisk;
}

/** How far a running request is, as its status shows it: steps done per system, and what it waits for. */
export interface RequestProgress {
    updatedAt: string;
    users: number;
    /** Per system (`entra.revoke`, `bc.PRODUCTION.sessions`, ...): users whose step there is over, whatever its outcome. */
    done: Record<string, number>;
    /** e.g. `Graph write quota: 2,000 users wait 139 s`, while such a wait lasts. */
    waiting?: string;
    /** A request split into shards: how many, and how many have ended. */
    shards?: { total: number; ended: number };
}
