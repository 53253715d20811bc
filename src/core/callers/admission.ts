import type { Caller } from '../ports/auditStore';
import type { SignOutRequest } from '../request/signOutRequest';
import { ROLES, rolesRequiredFor } from './roles';

/** Who may ask for what: the part of the configuration that decides about callers. */
export interface CallerPolicy {
    /** More users than this in one request needs SignOut.Block. */
    bulkThreshold: number;
    /** CALLER_MAX_USERS_PER_HOUR: users one HTTP caller may name in any hour. */
    maxUsersPerHour: number;
    homeTenantId: string;
    /** The service signs in with a managed identity, which exists in its home tenant only (platform-facts §12). */
    managedIdentity: boolean;
    /** TENANT_CALLERS: who may name which other tenant; `callerId` is lower-case, `*` for anyone. */
    tenantCallers: readonly { tenantId: string; callerId: string }[];
}

export interface Refusal {
    code: 'role-required' | 'tenant-not-allowed';
    field: string;
    message: string;
}

/**
 * Why a caller may not have this request run, before anything is claimed or changed: a role it lacks (where roles
 * apply: HTTP callers), or a tenant it may not act in (every entry point).
 */
export function admissionRefusal(request: SignOutRequest, caller: Caller, policy: CallerPolicy): Refusal | undefined {
    if (caller.roles) {
        const held = caller.roles;
        const missing = rolesRequiredFor(request, policy.bulkThreshold).find((role) => !held.includes(role));
        if (missing)
            return {
                code: 'role-required',
                field: 'actions',
                message:
                    `This request needs the app role ${missing}` +
                    (missing === ROLES.block
                        ? ` (it blocks sign-in, disables BC users or names more than ${policy.bulkThreshold} users)`
                        : '') +
                    `; assign it to ${caller.id} on the API's app registration (docs/permissions.md).`,
            };
    }
    return tenantRefusal(request.tenantId, caller, policy);
}

/** Why a caller may not read or act in a tenant other than the home tenant, or undefined. */
export function tenantRefusal(tenantId: string, caller: Caller, policy: CallerPolicy): Refusal | undefined {
    if (tenantId === policy.homeTenantId) return undefined;
    if (policy.managedIdentity)
        return {
            code: 'tenant-not-allowed',
            field: 'tenantId',
            message: `The service signs in with a managed identity, which can act only in its own tenant ${policy.homeTenantId}; acting in another tenant needs a multi-tenant app registration (AUTH_MODE=client-certificate).`,
        };
    const names = [caller.id, caller.objectId, caller.appId].flatMap((id) => (id ? [id.toLowerCase()] : []));
    const paired = policy.tenantCallers.some(
        (pair) => pair.tenantId === tenantId && (pair.callerId === '*' || names.includes(pair.callerId)),
    );
    return paired
        ? undefined
        : {
              code: 'tenant-not-allowed',
              field: 'tenantId',
              message: `Caller ${caller.id} may not act in tenant ${tenantId}: TENANT_CALLERS does not pair them.`,
          };
}
