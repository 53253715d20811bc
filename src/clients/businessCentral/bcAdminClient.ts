import type {
    BcAdmin,
    BcEnvironment,
    BcSession,
    DeleteSessionOutcome,
    EnvironmentRef,
    ListingOptions,
} from '../../core/ports/businessCentral';
import type { AdaptiveLimiter } from '../../core/concurrency';
import { encodePathSegment } from '../http/encodePathSegment';
import type { ServiceHttpClient } from '../http/serviceHttpClient';
import { field, stringField } from './fields';
import { joinInFlight, type InFlight } from './inFlight';
import { listAllPages } from './paging';
import { normaliseLogOnDate } from './logOnDate';

export interface BcAdminClientOptions {
    /** e.g. `https://api.businesscentral.dynamics.com` */
    endpoint: string;
    apiVersion: string;
    /** BC's concurrent-request limit of an environment (5, adapted to 429s), shared with the Automation API. */
    limitFor?: (environment: string) => AdaptiveLimiter;
    /** The tenant's environment listings, kept briefly by application family: a warm worker need not list again. */
    environmentCache?: EnvironmentCache;
    /** The tenant's session listings in flight, which a discovery may join (`ListingOptions.shared`). */
    sessionListings?: InFlight<BcSession[]>;
}

/** Listings by application family (lower case), with when they were asked for. */
export type EnvironmentCache = Map<string, { at: number; listing: Promise<BcEnvironment[]> }>;

/**
 * How long a listing of environments is reused. Environments come and go rarely; a stale status only sends a
 * request to a listing that answers with the environment's error, which is reported for that environment.
 */
const ENVIRONMENT_LISTING_LIFETIME_IN_MS = 60_000;

/** The Business Central Admin Center API: environments and sessions. It cannot filter sessions by user. */
export class BcAdminClient implements BcAdmin {
    constructor(
        private readonly http: ServiceHttpClient,
        private readonly options: BcAdminClientOptions,
    ) {}

    async listEnvironments(applicationFamily: string): Promise<BcEnvironment[]> {
        const cache = this.options.environmentCache;
        if (!cache) return this.fetchEnvironments(applicationFamily);
        const key = applicationFamily.toLowerCase();
        const cached = cache.get(key);
        if (cached && Date.now() - cached.at < ENVIRONMENT_LISTING_LIFETIME_IN_MS) return cached.listing;
        const listing = this.fetchEnvironments(applicationFamily);
        cache.set(key, { at: Date.now(), listing });
        // A failed listing is not kept: the next request asks again.
        listing.catch(() => cache.delete(key));
        return listing;
    }

    private fetchEnvironments(applicationFamily: string): Promise<BcEnvironment[]> {
        return listAllPages(
            this.http,
            `${this.applicationUrl(applicationFamily)}/environments`,
            this.options.endpoint,
            toEnvironment,
        );
    }

    listSessions(environment: EnvironmentRef, options: ListingOptions = {}): Promise<BcSession[]> {
        const list = () =>
            listAllPages(
                this.http,
                `${this.environmentUrl(environment)}/sessions`,
                this.options.endpoint,
                toSession,
                this.limit(environment),
            );
        const key = `${environment.applicationFamily}/${environment.name}`.toLowerCase();
        return options.shared ? joinInFlight(this.options.sessionListings, key, this.http.deadlineAt, list) : list();
    }

    /** 2xx = cancelled; 404 = already gone (the DELETE status is undocumented, platform-facts §2). */
    async deleteSession(environment: EnvironmentRef, sessionId: number): Promise<DeleteSessionOutcome> {
        const response = await this.http.send(
            'DELETE',
            `${this.environmentUrl(environment)}/sessions/${encodePathSegment(String(sessionId))}`,
            this.limit(environment),
        );
        if (response.status >= 200 && response.status < 300) return 'cancelled';
        if (response.status === 404) return 'already-gone';
        throw this.http.errorOf(response);
    }

    private limit(environment: EnvironmentRef): { limiter?: AdaptiveLimiter } {
        const limiter = this.options.limitFor?.(environment.name);
        return limiter ? { limiter } : {};
    }

    private applicationUrl(applicationFamily: string): string {
        return `${this.options.endpoint}/admin/${encodePathSegment(this.options.apiVersion)}/applications/${encodePathSegment(applicationFamily)}`;
    }

    private environmentUrl(environment: EnvironmentRef): string {
        return `${this.applicationUrl(environment.applicationFamily)}/environments/${encodePathSegment(environment.name)}`;
    }
}

function toEnvironment(item: unknown): BcEnvironment | undefined {
    const name = stringField(item, 'name');
    const applicationFamily = stringField(item, 'applicationFamily') ?? 'BusinessCentral';
    if (!name) return undefined;
    const type = stringField(item, 'type');
    return { name, applicationFamily, status: stringField(item, 'status') ?? 'Unknown', ...(type && { type }) };
}

function toSession(item: unknown): BcSession | undefined {
    const rawId = field(item, 'sessionId');
    const sessionId = typeof rawId === 'number' ? rawId : Number(rawId);
    const userId = stringField(item, 'userId');
    if (!Number.isInteger(sessionId) || userId === undefined) return undefined;
    const clientType = stringField(item, 'clientType');
    const logOnDate = stringField(item, 'logOnDate');
    return {
        sessionId,
        userId,
        ...(clientType && { clientType }),
        ...(logOnDate && { logOnDate: normaliseLogOnDate(logOnDate) }),
    };
}
