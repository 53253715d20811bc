/** Business Central Admin Center API (sessions, environments) and Automation API (users). */

export interface EnvironmentRef {
    applicationFamily: string;
    name: string;
}

export interface BcEnvironment extends EnvironmentRef {
    type?: string;
    /** `Active`, `NotReady`, `Preparing`, `Upgrading`, `SoftDeleted`, ...: only `Active` has sessions to cancel. */
    status: string;
}

export interface BcSession {
    sessionId: number;
    /** BC's user name (e.g. `JOE`), not a UPN or object id (platform-facts §2, inferred). */
    userId: string;
    clientType?: string;
    /** ISO 8601 when the service's date could be read, else the service's text. */
    logOnDate?: string;
}

export type DeleteSessionOutcome = 'cancelled' | 'already-gone';

/**
 * `shared`: a listing of the environment that another request of this process started and that is still in flight
 * may answer, as if this one had been sent a moment earlier. For discovery, where concurrent shards of one request
 * would otherwise each hold a copy of the same listing; never for a verification, which must see what came after
 * its own cancellations.
 */
export interface ListingOptions {
    shared?: boolean;
}

export interface BcAdmin {
    listEnvironments(applicationFamily: string): Promise<BcEnvironment[]>;
    listSessions(environment: EnvironmentRef, options?: ListingOptions): Promise<BcSession[]>;
    deleteSession(environment: EnvironmentRef, sessionId: number): Promise<DeleteSessionOutcome>;
}

export type BcUserState = 'Enabled' | 'Disabled';

export interface BcUser {
    userSecurityId: string;
    userName: string;
    state: BcUserState | string;
    contactEmail?: string;
    etag?: string;
}

export interface BcAutomation {
    /** Looks up, once, what every later call in the environment needs (a company id): a cold start can do it early. */
    prepare(environment: string): Promise<void>;
    /** Users of the environment (any company reaches them). Throws ServiceError 401/403 when the app is not registered there. */
    listUsers(environment: string, options?: ListingOptions): Promise<BcUser[]>;
    getUser(environment: string, userSecurityId: string): Promise<BcUser | undefined>;
    /** PATCH `state` with `If-Match`; a stale etag surfaces as ServiceError code `etag-mismatch` (409/412). */
    setUserState(environment: string, user: BcUser, state: BcUserState): Promise<BcUser>;
}
