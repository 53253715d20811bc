import type { TokenCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { AppConfig } from '../config';
import type { InFlight } from '../clients/businessCentral/inFlight';
import { BcAdminClient, type EnvironmentCache } from '../clients/businessCentral/bcAdminClient';
import { BcAutomationClient, type CompanyIdCache } from '../clients/businessCentral/bcAutomationClient';
import { adminErrorCode, odataErrorCode } from '../clients/businessCentral/errorCodes';
import { createGraphClient } from '../clients/graph/createGraphClient';
import { GraphDirectoryClient } from '../clients/graph/graphDirectoryClient';
import {
    GRAPH_RESOURCE_UNIT_WINDOW_IN_MS,
    GRAPH_WRITE_WINDOW_IN_MS,
    GRAPH_WRITES_PER_WINDOW,
    GraphQuota,
} from '../clients/graph/graphQuota';
import { ServiceHttpClient } from '../clients/http/serviceHttpClient';
import { sleep } from '../clients/http/sleep';
import { createCredential, scopeFor } from '../clients/identity/createCredential';
import { reuseTokens } from '../clients/identity/reuseTokens';
import { AdaptiveLimiter } from '../core/concurrency';
import { NO_TELEMETRY, type Telemetry } from '../core/ports/telemetry';
import type { ThrottleNotices } from '../core/ports/throttling';
import type { BcSession, BcUser } from '../core/ports/businessCentral';
import { DEFAULT_RETRY } from '../core/retryPolicy';
import type { TenantServices } from '../core/service/serviceDependencies';

/** What lives as long as the process, per tenant: the limits are the tenant's, shared by all its requests. */
interface Tenant {
    credential: TokenCredential;
    graph: Client;
    graphQuota: GraphQuota;
    /** Per environment (lower-case name): BC's concurrent-request limit, adapted to its 429s. */
    bcLimits: Map<string, AdaptiveLimiter>;
    companyIds: CompanyIdCache;
    environments: EnvironmentCache;
    /** Listings in flight that a discovery of another request may join: shards started together share them. */
    sessionListings: InFlight<BcSession[]>;
    userListings: InFlight<BcUser[]>;
}

/**
 * Builds the remote systems of a tenant. Credentials, Graph clients, Graph's quota, BC's per-environment limits and
 * company ids are kept per tenant; the adapters are cheap and made per call so each carries its request's deadline.
 */
export function tenantServicesFactory(
    config: AppConfig,
    observers: { throttling?: ThrottleNotices; telemetry?: Telemetry } = {},
): (tenantId: string, deadlineAt: number) => TenantServices {
    const { throttling, telemetry = NO_TELEMETRY } = observers;
    const perTenant = new Map<string, Tenant>();
    const tenantOf = (tenantId: string): Tenant => {
        let tenant = perTenant.get(tenantId);
        if (!tenant) {
            const credential = reuseTokens(createCredential(config.identity, tenantId));
            tenant = {
                credential,
                graph: createGraphClient(credential, config.graphEndpoint),
                // Graph's quotas are per app and tenant (platform-facts §1): one pace for this process's requests.
                graphQuota: new GraphQuota(
                    {
                        resourceUnits: config.graphResourceUnits,
                        resourceUnitWindowInMs: GRAPH_RESOURCE_UNIT_WINDOW_IN_MS,
                        writes: GRAPH_WRITES_PER_WINDOW,
                        writeWindowInMs: GRAPH_WRITE_WINDOW_IN_MS,
                    },
                    sleep,
                    (wait) =>
                        throttling?.notify({
                            tenantId,
                            service: 'graph',
                            reason: wait.reason === 'writes' ? 'write quota' : wait.reason,
                            waiting: wait.writesWaiting,
                            waitInMs: wait.waitInMs,
                        }),
                ),
                bcLimits: new Map(),
                companyIds: new Map(),
                environments: new Map(),
                sessionListings: new Map(),
                userListings: new Map(),
            };
            perTenant.set(tenantId, tenant);
        }
        return tenant;
    };
    return (tenantId, deadlineAt) => {
        const tenant = tenantOf(tenantId);
        const limitFor = (environment: string) => {
            const key = environment.toLowerCase();
            let limiter = tenant.bcLimits.get(key);
            if (!limiter) {
                limiter = new AdaptiveLimiter(config.bcConcurrency);
                tenant.bcLimits.set(key, limiter);
            }
            return limiter;
        };
        const bcHttp = (service: 'bc-admin' | 'bc-automation') =>
            new ServiceHttpClient({
                service,
                credential: tenant.credential,
                scope: scopeFor(config.bcEndpoint),
                timeoutInMs: config.httpTimeoutInMs,
                retry: DEFAULT_RETRY,
                deadlineAt,
                errorCodeOf: service === 'bc-admin' ? adminErrorCode : odataErrorCode,
                onThrottled: (waitInMs) =>
                    throttling?.notify({ tenantId, service, reason: 'throttled', waiting: 1, waitInMs }),
                telemetry,
            });
        return {
            directory: new GraphDirectoryClient(tenant.graph, {
                quota: tenant.graphQuota,
                timeoutInMs: config.httpTimeoutInMs,
                retry: DEFAULT_RETRY,
                deadlineAt,
                sleep,
                graphEndpoint: config.graphEndpoint,
                telemetry,
            }),
            bcAdmin: new BcAdminClient(bcHttp('bc-admin'), {
                endpoint: config.bcEndpoint,
                apiVersion: config.bcAdminApiVersion,
                limitFor,
                environmentCache: tenant.environments,
                sessionListings: tenant.sessionListings,
            }),
            bcAutomation: new BcAutomationClient(bcHttp('bc-automation'), {
                endpoint: config.bcEndpoint,
                companyIds: tenant.companyIds,
                limitFor,
                userListings: tenant.userListings,
            }),
        };
    };
}
