import type { WorkerHeap } from './heapCheck';
import type { ProtectedRoles } from '../guard/protectedEntries';
import type { ProtectedSet } from '../guard/protectedSet';
import type { TenantServices } from '../service/serviceDependencies';

/** The resources the app gets tokens for. */
export type TokenResource = 'graph' | 'bc';

/** What an access token says the app may do on its resource, read from the token in memory only. */
export type TokenGrant =
    /** An app-only token: `roles` are the application permissions granted (none: no claim). */
    | { kind: 'application'; roles: string[]; servicePrincipalId?: string }
    /** Signed in as a person: the calls carry that person's own rights, not the app's permissions. */
    | { kind: 'delegated' }
    /** Not a token this service can read (opaque). */
    | { kind: 'unreadable' };

/**
 * What the doctor checks prerequisites through: each one is exercised the way the service uses it (a token, a
 * listing, a table, the queue), never assumed from configuration.
 */
export interface DoctorProbes {
    /** Every tenant the deployment serves (AZURE_TENANT_ID and ALLOWED_TENANT_IDS). */
    tenantIds: readonly string[];
    homeTenantId: string;
    /** The app's client id, named in the fixes (the authorized-apps pages ask for it); absent for developer sign-in. */
    clientId?: string;
    protectedRoles: ProtectedRoles;
    /** Gets a fresh token for the resource in the tenant: what is granted now, not what a cached token said. */
    tokenGrant(tenantId: string, resource: TokenResource): Promise<TokenGrant>;
    tenantServices(tenantId: string, deadlineAt: number): TenantServices;
    /** Builds the tenant's protected set from the configuration, as the guard does. */
    protectedSet(tenantId: string): Promise<ProtectedSet>;
    /** Opens the audit tables and reads from them. */
    checkTables(): Promise<void>;
    /** Opens the request queue and its poison queue. */
    checkQueue(): Promise<void>;
    /** The time a service answer carries (`Date` header of the tenant's token authority). */
    serviceTime(tenantId: string): Promise<{ at: Date; source: string }>;
    /**
     * The heap of the process the doctor runs in, when it is the Functions worker (`GET /api/doctor`); absent for the
     * CLI, whose own heap says nothing about the app's.
     */
    workerHeap?: WorkerHeap;
    /** How long the checks of one tenant may take. */
    deadlineInMs: number;
    now(): Date;
}
