import type { TenantFixture } from './fixture';
import type { ResourceUnitLimit, WriteQuotaLimit } from './writeQuota';

export interface SimulatorOptions {
    /** Default: `defaultFixture()`. */
    fixture?: TenantFixture;
    /** Default 0: a free port. */
    port?: number;
    /** How revokeSignInSessions answers: 200 `{"value": true}` as documented (default), or 204 (platform-facts §1). */
    revokeResponse?: 200 | 204;
    /** After a revocation or block, a cancelled BC session can still reconnect this long (default 90 minutes). */
    accessTokenWindowMs?: number;
    /** A cancelled session comes back this long after the cancel, if its user still can (default 60 s). */
    reconnectDelayMs?: number;
    /** Added to every HTTP request (not per `$batch` item). Default 0. */
    latencyMs?: number;
    /** Graph identity write limit (default 3,000 per 150,000 ms): over it, 429 + Retry-After. */
    graphWriteQuota?: WriteQuotaLimit;
    /** Graph resource units (default 3,500 per 10,000 ms, the smallest tenant's): over it, 429 + Retry-After. */
    graphResourceUnitQuota?: ResourceUnitLimit;
    /**
     * Business Central calls served at once per environment (admin and Automation API together); one more answers 429
     * with `Retry-After: 1`. Default: no limit, as the Admin Center API documents none; BC's OData documents 5
     * concurrent requests (platform-facts §3), the figure the bench's floor uses.
     */
    bcConcurrencyPerEnvironment?: number;
    /** Admin Center get-one environment: a bare object (default) or wrapped in `value` as the doc shows. */
    environmentGetShape?: 'bare' | 'wrapped';
    /**
     * Property names of Admin Center environments and sessions: `camel` (default, as real clients see them), `doc`
     * (the doc's mix: `SoftDeletedOn`, `HardDeletePendingOn`, `DeleteReason`, `AppSourceAppsUpdateCadence`) or
     * `pascal` (every name PascalCase).
     */
    fieldCase?: 'camel' | 'doc' | 'pascal';
    /** Sessions per page with `@odata.nextLink` paging; default: no paging. */
    sessionPageSize?: number;
    /** Automation `companies`: a proper collection (default) or one bare object as the doc example shows. */
    companiesShape?: 'collection' | 'bare';
    /** Automation PATCH with a stale etag: 409 `Request_EntityChanged` (default, BC's server) or 412 (OData). */
    staleEtagStatus?: 409 | 412;
    /**
     * Status of a whole `$batch` in which an item was throttled: 200 (default, `json-batching.md`), 424 (the
     * throttling page: "the batch itself fails with 424") or 429 (not documented; the SDK's retry middleware re-sends
     * such a batch). The body still holds every item's answer (platform-facts §1).
     */
    throttledBatchStatus?: 200 | 424 | 429;
    /** Seed of the PRNG that orders `$batch` answers. Default 1. */
    seed?: number;
    /** How long after a change its directory audit entry becomes visible (default 3 minutes, platform-facts §11). */
    auditLogDelayMs?: number;
    /**
     * Access tokens as `opaque` strings (default: clients must not rely on their shape) or `jwt`-shaped, with the
     * claims Entra puts in an app-only token (`oid`, `appid`, `tid`), unsigned.
     */
    accessTokenFormat?: 'opaque' | 'jwt';
}

/** The options that shape answers; live, so tests may change them on a running simulator. */
export interface SimulatorBehaviour {
    revokeResponse: 200 | 204;
    accessTokenWindowMs: number;
    reconnectDelayMs: number;
    latencyMs: number;
    graphWriteQuota: WriteQuotaLimit;
    graphResourceUnitQuota: ResourceUnitLimit;
    bcConcurrencyPerEnvironment?: number;
    environmentGetShape: 'bare' | 'wrapped';
    fieldCase: 'camel' | 'doc' | 'pascal';
    sessionPageSize?: number;
    companiesShape: 'collection' | 'bare';
    staleEtagStatus: 409 | 412;
    auditLogDelayMs: number;
    accessTokenFormat: 'opaque' | 'jwt';
    throttledBatchStatus: 200 | 424 | 429;
}

export function resolveBehaviour(options: SimulatorOptions): SimulatorBehaviour {
    return {
        revokeResponse: options.revokeResponse ?? 200,
        accessTokenWindowMs: options.accessTokenWindowMs ?? 90 * 60_000,
        reconnectDelayMs: options.reconnectDelayMs ?? 60_000,
        latencyMs: options.latencyMs ?? 0,
        graphWriteQuota: options.graphWriteQuota ?? { writes: 3000, perMs: 150_000 },
        graphResourceUnitQuota: options.graphResourceUnitQuota ?? { units: 3500, perMs: 10_000 },
        bcConcurrencyPerEnvironment: options.bcConcurrencyPerEnvironment,
        environmentGetShape: options.environmentGetShape ?? 'bare',
        fieldCase: options.fieldCase ?? 'camel',
        sessionPageSize: options.sessionPageSize,
        companiesShape: options.companiesShape ?? 'collection',
        staleEtagStatus: options.staleEtagStatus ?? 409,
        auditLogDelayMs: options.auditLogDelayMs ?? 3 * 60_000,
        accessTokenFormat: options.accessTokenFormat ?? 'opaque',
        throttledBatchStatus: options.throttledBatchStatus ?? 200,
    };
}
