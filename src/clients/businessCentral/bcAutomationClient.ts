import type { AdaptiveLimiter } from '../../core/concurrency';
import { ServiceError } from '../../core/errors';
import type { BcAutomation, BcUser, BcUserState, ListingOptions } from '../../core/ports/businessCentral';
import { GUID_PATTERN } from '../../core/request/patterns';
import { encodePathSegment } from '../http/encodePathSegment';
import type { ServiceHttpClient } from '../http/serviceHttpClient';
import { collectionItems, stringField } from './fields';
import { joinInFlight, type InFlight } from './inFlight';
import { listAllPages } from './paging';

const AUTOMATION_PATH = 'api/microsoft/automation/v2.0';

/** Company id per environment; kept by the caller, so a tenant's requests look it up once, not each time. */
export type CompanyIdCache = Map<string, Promise<string>>;

export interface BcAutomationClientOptions {
    endpoint: string;
    companyIds: CompanyIdCache;
    /** BC's concurrent-request limit of an environment (5 for OData, adapted to 429s, platform-facts §3). */
    limitFor?: (environment: string) => AdaptiveLimiter;
    /** The tenant's user listings in flight, which a discovery may join (`ListingOptions.shared`). */
    userListings?: InFlight<BcUser[]>;
}

/**
 * The Business Central Automation API, for users. Users belong to the environment, so any company reaches them
 * (platform-facts §3, inferred); the first company found is used and remembered per environment.
 */
export class BcAutomationClient implements BcAutomation {
    constructor(
        private readonly http: ServiceHttpClient,
        private readonly options: BcAutomationClientOptions,
    ) {}

    private get companyIds(): CompanyIdCache {
        return this.options.companyIds;
    }

    async prepare(environment: string): Promise<void> {
        await this.companyUrl(environment);
    }

    listUsers(environment: string, options: ListingOptions = {}): Promise<BcUser[]> {
        const list = async () => {
            const url = `${await this.companyUrl(environment)}/users`;
            return listAllPages(this.http, url, this.options.endpoint, toUser, this.limit(environment)).catch(
                (error: unknown) => {
                    // The remembered company may have been deleted: look it up again next time.
                    if (error instanceof ServiceError && error.statusCode === 404)
                        this.companyIds.delete(environment.toLowerCase());
                    throw error;
                },
            );
        };
        return options.shared
            ? joinInFlight(this.options.userListings, environment.toLowerCase(), this.http.deadlineAt, list)
            : list();
    }

    async getUser(environment: string, userSecurityId: string): Promise<BcUser | undefined> {
        const response = await this.http.send(
            'GET',
            this.userUrl(await this.companyUrl(environment), userSecurityId),
            this.limit(environment),
        );
        if (response.status === 404) return undefined;
        if (response.status !== 200) throw this.http.errorOf(response);
        return toUser(response.body);
    }

    /** PATCH needs `If-Match`; a stale etag is 412 by OData convention, 409 `Request_EntityChanged` from BC. */
    async setUserState(environment: string, user: BcUser, state: BcUserState): Promise<BcUser> {
        const url = this.userUrl(await this.companyUrl(environment), user.userSecurityId);
        const response = await this.http.send('PATCH', url, {
            body: { state },
            headers: { 'if-match': user.etag ?? '*' },
            ...this.limit(environment),
        });
        if (response.status === 409 || response.status === 412)
            throw new ServiceError(
                'bc-automation',
                response.status,
                'etag-mismatch',
                'The BC user changed since it was read',
            );
        if (response.status < 200 || response.status >= 300) throw this.http.errorOf(response);
        return toUser(response.body) ?? { ...user, state };
    }

    private limit(environment: string): { limiter?: AdaptiveLimiter } {
        const limiter = this.options.limitFor?.(environment);
        return limiter ? { limiter } : {};
    }

    private userUrl(companyUrl: string, userSecurityId: string): string {
        if (!GUID_PATTERN.test(userSecurityId))
            throw new ServiceError(
                'bc-automation',
                undefined,
                'invalid-user-id',
                'A BC user security id was not a GUID',
            );
        return `${companyUrl}/users(${userSecurityId})`;
    }

    private async companyUrl(environment: string): Promise<string> {
        // Environment names are matched without case, so a name as typed and as listed share one entry.
        const key = environment.toLowerCase();
        let companyId = this.companyIds.get(key);
        if (!companyId) {
            companyId = this.firstCompanyId(environment);
            this.companyIds.set(key, companyId);
            companyId.catch(() => this.companyIds.delete(key));
        }
        return `${this.environmentUrl(environment)}/companies(${await companyId})`;
    }

    private environmentUrl(environment: string): string {
        return `${this.options.endpoint}/v2.0/${encodePathSegment(environment)}/${AUTOMATION_PATH}`;
    }

    /** The docs' example for the companies collection shows one bare object: accept it as well as `value`. */
    private async firstCompanyId(environment: string): Promise<string> {
        const response = await this.http.sendOk(
            'GET',
            `${this.environmentUrl(environment)}/companies`,
            this.limit(environment),
        );
        const id = collectionItems(response.body)
            .map((company) => stringField(company, 'id'))
            .find((candidate): candidate is string => candidate !== undefined && GUID_PATTERN.test(candidate));
        if (!id)
            throw new ServiceError(
                'bc-automation',
                response.status,
                'no-company',
                `Environment ${environment} has no company`,
            );
        return id;
    }
}

function toUser(item: unknown): BcUser | undefined {
    const userSecurityId = stringField(item, 'userSecurityId');
    const userName = stringField(item, 'userName');
    if (!userSecurityId || !userName) return undefined;
    const contactEmail = stringField(item, 'contactEmail');
    const etag = stringField(item, '@odata.etag');
    return {
        userSecurityId,
        userName,
        state: stringField(item, 'state') ?? 'Enabled',
        ...(contactEmail && { contactEmail }),
        ...(etag && { etag }),
    };
}
