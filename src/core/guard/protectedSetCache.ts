import { AuthenticationFailedError, ConfigurationError, ServiceError } from '../errors';
import { GuardUnavailableError } from './guardErrors';
import type { ProtectedSet } from './protectedSet';

/** How long a protected set serves. It is rebuilt in the background from half its lifetime on. */
export const PROTECTED_SET_LIFETIME_IN_MS = 5 * 60_000;
/** A configuration error is reported from memory this long before the directory is asked again. */
const CONFIGURATION_ERROR_MEMORY_IN_MS = 30_000;

interface TenantEntry {
    set?: ProtectedSet;
    refreshing?: Promise<ProtectedSet>;
    lastError?: { error: Error; at: number };
}

/** What services need of the cache: a tenant's set, a forced rebuild, and what health reports. */
export type ProtectedSets = Pick<ProtectedSetCache, 'get' | 'refresh' | 'status'>;

export interface GuardStatus {
    set?: ProtectedSet;
    lastError?: Error;
}

/**
 * One protected set per tenant. A request is served the cached set while it is younger than its lifetime
 * (refreshing it in the background after half of it); past the lifetime, or when none was built, it waits for a
 * rebuild. A rebuild that fails transiently raises `GuardUnavailableError`; one that finds a configuration error
 * drops the set, so no request runs until the configuration is fixed. Never does a request run unguarded.
 */
export class ProtectedSetCache {
    private readonly tenants = new Map<string, TenantEntry>();

    constructor(
        private readonly build: (tenantId: string) => Promise<ProtectedSet>,
        private readonly lifetimeInMs: number = PROTECTED_SET_LIFETIME_IN_MS,
        private readonly now: () => number = Date.now,
    ) {}

    /** The tenant's set; `waitUntil` (epoch ms) bounds the wait for a rebuild, which then goes on in the background. */
    async get(tenantId: string, options: { waitUntil?: number } = {}): Promise<ProtectedSet> {
        const entry = this.entry(tenantId);
        const age = entry.set ? this.now() - entry.set.builtAt : Number.POSITIVE_INFINITY;
        if (entry.set && age < this.lifetimeInMs) {
            if (age >= this.lifetimeInMs / 2) this.refresh(tenantId).catch(() => undefined);
            return entry.set;
        }
        const remembered = entry.lastError;
        if (
            remembered?.error instanceof ConfigurationError &&
            this.now() - remembered.at < CONFIGURATION_ERROR_MEMORY_IN_MS
        )
            throw remembered.error;
        return options.waitUntil === undefined
            ? this.refresh(tenantId)
            : withDeadline(this.refresh(tenantId), options.waitUntil - this.now());
    }

    /** Rebuilds now (one rebuild at a time per tenant), e.g. when the sweep re-checks the configuration. */
    refresh(tenantId: string): Promise<ProtectedSet> {
        const entry = this.entry(tenantId);
        entry.refreshing ??= this.rebuild(tenantId, entry).finally(() => {
            entry.refreshing = undefined;
        });
        return entry.refreshing;
    }

    status(tenantId: string): GuardStatus {
        const entry = this.entry(tenantId);
        return { ...(entry.set && { set: entry.set }), ...(entry.lastError && { lastError: entry.lastError.error }) };
    }

    private async rebuild(tenantId: string, entry: TenantEntry): Promise<ProtectedSet> {
        try {
            const set = await this.build(tenantId);
            entry.set = set;
            entry.lastError = undefined;
            return set;
        } catch (error) {
            const failure = classify(error);
            entry.lastError = { error: failure, at: this.now() };
            if (failure instanceof ConfigurationError || failure instanceof AuthenticationFailedError)
                entry.set = undefined;
            // A transient failure keeps the last good set: `get` serves it until its lifetime ends.
            throw failure;
        }
    }

    private entry(tenantId: string): TenantEntry {
        const key = tenantId.toLowerCase();
        let entry = this.tenants.get(key);
        if (!entry) {
            entry = {};
            this.tenants.set(key, entry);
        }
        return entry;
    }
}

/** The rebuild, or `GuardUnavailableError` when it outlasts the caller's deadline (it still completes for later). */
function withDeadline(rebuild: Promise<ProtectedSet>, timeLeftInMs: number): Promise<ProtectedSet> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
            () =>
                reject(
                    new GuardUnavailableError(
                        new ServiceError('graph', undefined, 'timeout', 'the protected set was not built in time'),
                    ),
                ),
            Math.max(0, timeLeftInMs),
        );
        timer.unref();
    });
    rebuild.catch(() => undefined);
    return Promise.race([rebuild, timeout]).finally(() => clearTimeout(timer));
}

function classify(error: unknown): Error {
    if (error instanceof ConfigurationError || error instanceof AuthenticationFailedError) return error;
    if (error instanceof ServiceError) return new GuardUnavailableError(error);
    throw error;
}
