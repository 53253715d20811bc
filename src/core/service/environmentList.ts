import { tenantRefusal, type Refusal } from '../callers/admission';
import type { FieldProblem } from '../errors';
import type { Caller } from '../ports/auditStore';
import { APPLICATION_FAMILY_PATTERN, GUID_PATTERN } from '../request/patterns';
import type { ServiceDependencies } from './serviceDependencies';

/** An environment as an admin picks it: by name, knowing its type and whether it is active. */
export interface EnvironmentSummary {
    name: string;
    /** `Production` or `Sandbox`; absent when the admin center does not say. */
    type?: string;
    status: string;
    applicationFamily: string;
}

export interface EnvironmentQuery {
    tenantId?: string;
    applicationFamily?: string;
}

export type EnvironmentListing =
    | { kind: 'listed'; environments: EnvironmentSummary[] }
    | { kind: 'invalid'; problems: FieldProblem[] }
    | { kind: 'refused'; refusal: Refusal };

const DEFAULT_FAMILY = 'BusinessCentral';

/**
 * The environments of a tenant as the Business Central admin center lists them, for an admin (or the connector's
 * dropdown) to choose from. The tenant must be one the deployment serves and the caller may name, as for a request.
 */
export async function listTenantEnvironments(
    query: EnvironmentQuery,
    caller: Caller,
    deps: ServiceDependencies,
): Promise<EnvironmentListing> {
    const { policy, callers } = deps.settings;
    const problems: FieldProblem[] = [];
    const tenantId = (query.tenantId ?? policy.defaultTenantId).toLowerCase();
    if (!GUID_PATTERN.test(tenantId)) problems.push({ field: 'tenantId', reason: 'must be a GUID' });
    else if (!policy.allowedTenantIds.some((allowed) => allowed.toLowerCase() === tenantId))
        problems.push({ field: 'tenantId', reason: 'is not a tenant this deployment serves' });
    const family = query.applicationFamily ?? DEFAULT_FAMILY;
    if (!APPLICATION_FAMILY_PATTERN.test(family))
        problems.push({ field: 'applicationFamily', reason: 'must be letters and digits, e.g. BusinessCentral' });
    if (problems.length > 0) return { kind: 'invalid', problems };
    const refusal = tenantRefusal(tenantId, caller, callers);
    if (refusal) return { kind: 'refused', refusal };
    const now = deps.now?.() ?? new Date();
    const { bcAdmin } = deps.tenantServices(tenantId, now.getTime() + deps.settings.previewDeadlineInMs);
    const listed = await bcAdmin.listEnvironments(family);
    return {
        kind: 'listed',
        environments: listed.map((env) => ({
            name: env.name,
            ...(env.type !== undefined && { type: env.type }),
            status: env.status,
            applicationFamily: env.applicationFamily,
        })),
    };
}
