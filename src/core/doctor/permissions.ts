import type { ProtectedRoles } from '../guard/protectedEntries';
import type { TokenResource } from './probes';

/** One application permission, what the service does with it, and whether it cannot work without it. */
export interface PermissionNeed {
    resource: TokenResource;
    permission: string;
    /** What it is for, in a few words. */
    usedFor: string;
    /** Needed: nothing (or nothing safe) runs without it. Optional: one action is lost, named in `without`. */
    needed: boolean;
    without: string;
    /** The `scripts/grant-permissions.sh` switch that grants it; none for the permissions always granted. */
    grantSwitch?: string;
}

/**
 * The permissions of docs/permissions.md, and which of them this configuration needs: the guard's reads always
 * (an unresolvable protected entry stops everything), role reads only when PROTECTED_ROLES protects role holders;
 * blocking, the directory audit log and BC users are options an admin grants on purpose.
 */
export function permissionNeeds(protectedRoles: ProtectedRoles): PermissionNeed[] {
    return [
        {
            resource: 'graph',
            permission: 'User.Read.All',
            usedFor: 'resolve users and read their state',
            needed: true,
            without: 'no user can be resolved, so nothing is done',
        },
        {
            resource: 'graph',
            permission: 'User.RevokeSessions.All',
            usedFor: 'revoke Entra sign-in sessions',
            needed: true,
            without: 'revocation fails for every user, and cancelled BC sessions come straight back',
        },
        {
            resource: 'graph',
            permission: 'GroupMember.Read.All',
            usedFor: 'read protected groups and role-assignable groups',
            needed: true,
            without: 'the protected set cannot be built, so nothing runs',
        },
        {
            resource: 'graph',
            permission: 'RoleManagement.Read.Directory',
            usedFor: 'protect holders of directory roles (PROTECTED_ROLES)',
            needed: protectedRoles.kind !== 'none',
            without:
                protectedRoles.kind === 'none'
                    ? 'nothing: PROTECTED_ROLES is none'
                    : 'the protected set cannot be built, so nothing runs',
        },
        {
            resource: 'graph',
            permission: 'User.EnableDisableAccount.All',
            usedFor: 'block sign-in (actions.blockSignIn) and release the block',
            needed: false,
            without: 'a request that blocks sign-in reports entra.block failed',
            grantSwitch: '--with-block',
        },
        {
            resource: 'graph',
            permission: 'AuditLog.Read.All',
            usedFor: 'see, before releasing a block, whether someone else changed the account since',
            needed: false,
            without: 'a release is judged on the current state only, and says so',
            grantSwitch: '--with-audit-log',
        },
        {
            resource: 'bc',
            permission: 'AdminCenter.ReadWrite.All',
            usedFor: 'list environments, list and cancel sessions',
            needed: true,
            without: 'no environment can be listed and no session cancelled',
        },
        {
            resource: 'bc',
            permission: 'Automation.ReadWrite.All',
            usedFor: 'map Entra users to BC users exactly, and disable BC users',
            needed: false,
            without: 'sessions are matched by name (heuristic) and BC users cannot be disabled',
            grantSwitch: '--with-bc-users',
        },
    ];
}
