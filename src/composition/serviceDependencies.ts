import type { TokenCredential } from '@azure/identity';
import { CallbackSender } from '../clients/callback/callbackSender';
import { createCredential, credentialKind } from '../clients/identity/createCredential';
import { StorageRequestQueue } from '../clients/queue/storageRequestQueue';
import { appConfig, type AppConfig } from '../config';
import { buildProtectedSet } from '../core/guard/buildProtectedSet';
import type { GuardConfiguration } from '../core/guard/protectedEntries';
import { ProtectedSetCache } from '../core/guard/protectedSetCache';
import type { ProtectedSet } from '../core/guard/protectedSet';
import { ThrottleNoticeBoard } from '../core/ports/throttling';
import { DEFAULT_RETRY } from '../core/retryPolicy';
import type { AuditStore } from '../core/ports/auditStore';
import type { RequestQueue } from '../core/ports/requestQueue';
import type { ServiceDependencies, ServiceSettings, TenantServices } from '../core/service/serviceDependencies';
import { REQUEST_LEASE_IN_MS } from './leases';
import { processTelemetry } from './telemetry';
import { tenantServicesFactory } from './tenantServices';

/** Matches `extensions.queues.maxDequeueCount` in host.json (a test keeps them equal). */
export const HOST_MAX_DEQUEUE_COUNT = 5;
/** How long one rebuild of a protected set may take before requests are told to wait. */
const GUARD_BUILD_DEADLINE_IN_MS = 60_000;

function serviceIdentityIds(config: AppConfig): string[] {
    return [config.serviceObjectId, config.identity.clientId]
        .filter((id): id is string => !!id)
        .map((id) => id.toLowerCase());
}

export function guardConfiguration(config: AppConfig): GuardConfiguration {
    return {
        homeTenantId: config.identity.tenantId,
        protectedUsers: config.protectedUsers,
        protectedGroupIds: config.protectedGroupIds,
        protectedRoles: config.protectedRoles,
        serviceIdentityIds: serviceIdentityIds(config),
    };
}

export function serviceSettings(config: AppConfig): ServiceSettings {
    return {
        policy: {
            maxUsers: config.maxUsersPerRequest,
            defaultTenantId: config.identity.tenantId,
            allowedTenantIds: config.allowedTenantIds,
            callbackHosts: config.callbackHosts,
        },
        callers: {
            bulkThreshold: config.callers.bulkThreshold,
            maxUsersPerHour: config.callers.maxUsersPerHour,
            homeTenantId: config.identity.tenantId,
            managedIdentity: credentialKind(config.identity) === 'managed-identity',
            tenantCallers: config.callers.tenantCallers,
        },
        engine: {
            accessTokenWindowMinutes: config.accessTokenWindowMinutes,
        },
        leaseInMs: REQUEST_LEASE_IN_MS,
        requestDeadlineInMs: config.requestDeadlineInMs,
        previewDeadlineInMs: config.previewDeadlineInMs,
        retentionDays: config.retentionDays,
        serviceIdentityIds: serviceIdentityIds(config),
        maxDequeueCount: HOST_MAX_DEQUEUE_COUNT,
        poisonRequeueLimit: config.poisonRequeueLimit,
        shardSize: config.shardSize,
        queueName: config.queueName,
    };
}

/** Storage through a managed identity: the storage identity's own client id when set, else the app's credential. */
function storageCredential(config: AppConfig, clientId: string | undefined): TokenCredential {
    return createCredential(clientId ? { ...config.identity, mode: 'managed-identity', clientId } : config.identity);
}

/** The audit store of a configuration: its tables are created when missing, so this is also a reachability check. */
export function auditStoreFor(config: AppConfig): Promise<AuditStore> {
    const storage = config.storage;
    // Loaded on first use, like the other storage and identity SDKs: cold starts should not pay for it.
    return import('../clients/audit/tableAuditStore').then(({ TableAuditStore }) =>
        TableAuditStore.create({
            connection:
                storage.kind === 'connection-string'
                    ? { connectionString: storage.connectionString }
                    : {
                          tableServiceUri: storage.tableServiceUri,
                          credential: storageCredential(config, storage.clientId),
                      },
            tablePrefix: config.auditTablePrefix,
            ...(config.auditSigningKey && { signingKey: config.auditSigningKey }),
        }),
    );
}

/** The request queue of a configuration, created (with its poison queue) when missing. */
export function requestQueueFor(config: AppConfig): Promise<RequestQueue> {
    const storage = config.storage;
    return StorageRequestQueue.create(
        storage.kind === 'connection-string'
            ? { connectionString: storage.connectionString }
            : {
                  queueServiceUri: storage.queueServiceUri,
                  credential: storageCredential(config, storage.clientId),
              },
        config.queueName,
    );
}

/** Builds a tenant's protected set through its directory, each build bounded by `deadlineInMs`. */
export function protectedSetBuilder(
    config: AppConfig,
    tenantServices: (tenantId: string, deadlineAt: number) => Pick<TenantServices, 'directory'>,
    deadlineInMs: number,
): (tenantId: string) => Promise<ProtectedSet> {
    const guard = guardConfiguration(config);
    return (tenantId) =>
        buildProtectedSet(tenantServices(tenantId, Date.now() + deadlineInMs).directory, guard, tenantId, Date.now());
}

/** Wires the real adapters for a configuration. Tests and the CLI call it with their own configuration. */
export async function createServiceDependencies(
    config: AppConfig,
    overrides: Partial<ServiceDependencies> = {},
): Promise<ServiceDependencies> {
    // First: the instrumentations it starts must see the storage and identity SDKs load.
    const telemetry = overrides.telemetry ?? (await processTelemetry(config));
    const [audit, queue] = await Promise.all([
        overrides.audit ?? auditStoreFor(config),
        overrides.queue ?? requestQueueFor(config),
    ]);
    const throttling = overrides.throttling ?? new ThrottleNoticeBoard();
    const tenantServices = overrides.tenantServices ?? tenantServicesFactory(config, { throttling, telemetry });
    return {
        audit,
        queue,
        callbacks:
            overrides.callbacks ??
            new CallbackSender({
                allowedHosts: config.callbackHosts,
                timeoutInMs: config.httpTimeoutInMs,
                retry: DEFAULT_RETRY,
                telemetry,
            }),
        tenantServices,
        throttling,
        protectedSets:
            overrides.protectedSets ??
            new ProtectedSetCache(protectedSetBuilder(config, tenantServices, GUARD_BUILD_DEADLINE_IN_MS)),
        settings: overrides.settings ?? serviceSettings(config),
        ...(overrides.now && { now: overrides.now }),
        telemetry,
    };
}

let shared: Promise<ServiceDependencies> | undefined;

/** The process's dependencies, created on first use from the process configuration; a failed start is retried. */
export function sharedServiceDependencies(): Promise<ServiceDependencies> {
    shared ??= createServiceDependencies(appConfig()).catch((error: unknown) => {
        shared = undefined;
        throw error;
    });
    return shared;
}
