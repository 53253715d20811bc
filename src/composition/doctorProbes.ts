import { getHeapStatistics } from 'node:v8';
import { readServiceDate } from '../clients/http/serviceDate';
import { acquireToken } from '../clients/identity/acquireToken';
import { createCredential, scopeFor } from '../clients/identity/createCredential';
import { tokenGrant } from '../clients/identity/tokenGrant';
import type { AppConfig } from '../config';
import { requestedHeapMib, type WorkerHeap } from '../core/doctor/heapCheck';
import type { DoctorProbes } from '../core/doctor/probes';
import { auditStoreFor, protectedSetBuilder, requestQueueFor } from './serviceDependencies';
import { tenantServicesFactory } from './tenantServices';

/** How long the checks of one tenant may take: retries stop here, and a check still waiting fails. */
const DOCTOR_DEADLINE_IN_MS = 60_000;
/** A request id no request has (ids start with a letter or digit): reading it proves the tables answer. */
const PROBE_REQUEST_ID = 'doctor-probe';

/**
 * The doctor's probes, built afresh from the configuration on every run: new credentials (so a token shows what is
 * granted now, not what a cached one said an hour ago), new clients, the protected set built as the guard builds it.
 */
export function createDoctorProbes(config: AppConfig, options: { inWorker?: boolean } = {}): DoctorProbes {
    const tenantServices = tenantServicesFactory(config);
    const authority = config.identity.authorityHost.replace(/\/+$/, '');
    return {
        tenantIds: config.allowedTenantIds,
        homeTenantId: config.identity.tenantId,
        ...(config.identity.clientId && { clientId: config.identity.clientId }),
        protectedRoles: config.protectedRoles,
        tokenGrant: async (tenantId, resource) =>
            tokenGrant(
                await acquireToken(
                    createCredential(config.identity, tenantId),
                    scopeFor(resource === 'graph' ? config.graphEndpoint : config.bcEndpoint),
                ),
            ),
        tenantServices,
        protectedSet: protectedSetBuilder(config, tenantServices, DOCTOR_DEADLINE_IN_MS),
        checkTables: async () => {
            await (await auditStoreFor(config)).getRequest(PROBE_REQUEST_ID);
        },
        checkQueue: async () => {
            await requestQueueFor(config);
        },
        serviceTime: async (tenantId) => {
            // The authority's discovery document needs no token, and its answer carries the authority's time.
            const url = new URL(`${authority}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`);
            return {
                at: await readServiceDate(url.href, config.httpTimeoutInMs),
                source: `the token authority (${url.host})`,
            };
        },
        ...(options.inWorker && { workerHeap: thisWorkersHeap() }),
        deadlineInMs: DOCTOR_DEADLINE_IN_MS,
        now: () => new Date(),
    };
}

/** The heap ceiling this process was asked for (NODE_OPTIONS, as the deployment sets it) and the one V8 applies. */
function thisWorkersHeap(): WorkerHeap {
    const requestedMib = requestedHeapMib(process.env.NODE_OPTIONS);
    return {
        ...(requestedMib !== undefined && { requestedMib }),
        limitInBytes: getHeapStatistics().heap_size_limit,
    };
}
