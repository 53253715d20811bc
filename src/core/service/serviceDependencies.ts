import type { CallerPolicy } from '../callers/admission';
import type { EngineSettings } from '../engine/signOutEngine';
import type { ProtectedSets } from '../guard/protectedSetCache';
import type { ThrottleNotices } from '../ports/throttling';
import type { AuditStore } from '../ports/auditStore';
import type { BcAdmin, BcAutomation } from '../ports/businessCentral';
import type { Callbacks } from '../ports/callbacks';
import type { Directory } from '../ports/directory';
import type { RequestQueue } from '../ports/requestQueue';
import { NO_TELEMETRY, type Telemetry } from '../ports/telemetry';
import type { RequestPolicy } from '../request/signOutRequest';

/** The remote systems of one tenant, with calls bounded by a deadline. */
export interface TenantServices {
    directory: Directory;
    bcAdmin: BcAdmin;
    bcAutomation: BcAutomation;
}

export interface ServiceSettings {
    policy: RequestPolicy;
    callers: CallerPolicy;
    engine: EngineSettings;
    /** How long a worker owns a request without renewing; past it, a redelivered message may take over. */
    leaseInMs: number;
    requestDeadlineInMs: number;
    previewDeadlineInMs: number;
    retentionDays: number;
    /** This service's app (client) id and service principal object id: its own changes in the directory audit log. */
    serviceIdentityIds: readonly string[];
    /** The host's `maxDequeueCount`: the last attempt finishes with what it has instead of asking for a retry. */
    maxDequeueCount: number;
    /** How often the sweep queues a poisoned request again before it is dead-lettered. */
    poisonRequeueLimit: number;
    /** A request from the HTTP API or the queue naming more users is split into shards of this many. */
    shardSize: number;
    queueName: string;
}

/** Everything the service needs, passed in: the engine knows nothing of Functions, storage SDKs or HTTP. */
export interface ServiceDependencies {
    audit: AuditStore;
    queue: RequestQueue;
    callbacks: Callbacks;
    tenantServices: (tenantId: string, deadlineAt: number) => TenantServices;
    /** Waits imposed by the services' limits, as they start: progress never goes silent. */
    throttling: ThrottleNotices;
    /** Each tenant's protected set, cached and rebuilt off the request path. */
    protectedSets: ProtectedSets;
    settings: ServiceSettings;
    now?: () => Date;
    /** Spans, metrics and structured logs; none when absent. */
    telemetry?: Telemetry;
}

export function telemetryOf(deps: Pick<ServiceDependencies, 'telemetry'>): Telemetry {
    return deps.telemetry ?? NO_TELEMETRY;
}
