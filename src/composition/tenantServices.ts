import type { TokenCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { AppConfig } from '../config';
import { BcAdminClient } from '../clients/businessCentral/bcAdminClient';
import { BcAutomationClient, type CompanyIdCache } from '../clients/businessCentral/bcAutomationClient';
import { adminErrorCode, odataErrorCode } from '../clients/businessCentral/errorCodes';
import { createGraphClient } from '../clients/graph/createGraphClient';
import { GraphDirectoryClient } from '../clients/graph/graphDirectoryClient';
import { ServiceHttpClient } from '../clients/http/serviceHttpClient';
import { sleep } from '../clients/http/sleep';
import { createCredential, scopeFor } from '../clients/identity/createCredential';
import { singleFlight } from '../clients/identity/singleFlight';
import { Limiter } from '../core/concurrency';
import { NO_TELEMETRY, type Telemetry } from '../core/ports/telemetry';
import { DEFAULT_RETRY } from '../core/retryPolicy';
import type { TenantServices } from '../core/service/serviceDependencies';

/**
 * Builds the remote systems of a tenant. Credentials, Graph clients and BC company ids are kept per tenant;
 * the adapters are cheap and made per call so each carries its request's deadline.
 */
export function tenantServicesFactory(
    config: AppConfig,
    telemetry: Telemetry = NO_TELEMETRY,
): (tenantId: string, deadlineAt: number) => TenantServices {
    const perTenant = new Map<
        string,
        { credential: TokenCredential; graph: Client; graphBatches: Limiter; companyIds: CompanyIdCache }
    >();
    return (tenantId, deadlineAt) => {
        let tenant = perTenant.get(tenantId);
        if (!tenant) {
            const credential = singleFlight(createCredential(config.identity, tenantId));
            tenant = {
                credential,
                graph: createGraphClient(credential, config.graphEndpoint),
                // Graph throttles per app and tenant, so the limit holds across this process's requests.
                graphBatches: new Limiter(config.graphBatchesInFlight),
                companyIds: new Map(),
            };
            perTenant.set(tenantId, tenant);
        }
        const bcHttp = (service: 'bc-admin' | 'bc-automation') =>
            new ServiceHttpClient({
                service,
                credential: tenant.credential,
                scope: scopeFor(config.bcEndpoint),
                timeoutInMs: config.httpTimeoutInMs,
                retry: DEFAULT_RETRY,
                deadlineAt,
                errorCodeOf: service === 'bc-admin' ? adminErrorCode : odataErrorCode,
                telemetry,
            });
        return {
            directory: new GraphDirectoryClient(tenant.graph, {
                batchesInFlight: tenant.graphBatches,
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
            }),
            bcAutomation: new BcAutomationClient(bcHttp('bc-automation'), {
                endpoint: config.bcEndpoint,
                companyIds: tenant.companyIds,
            }),
        };
    };
}
