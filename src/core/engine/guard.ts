import type { DirectoryUser } from '../ports/directory';

export interface GuardPolicy {
    /** UPNs or object ids never touched (break-glass, named admins). */
    protectedUsers: readonly string[];
    protectedGroupIds: readonly string[];
    /** Ids of this service's own identity. */
    serviceIdentityIds: readonly string[];
}

/**
 * Why a user must not be touched, or undefined. Fails closed: when group membership could not be read and
 * protected groups are configured, the user is treated as protected.
 */
export function protectionReason(
    reference: string,
    user: DirectoryUser,
    policy: GuardPolicy,
    memberOf: readonly string[] | 'unknown',
): string | undefined {
    const keys = new Set(
        [reference, user.id, user.userPrincipalName, user.mail]
            .filter((v): v is string => !!v)
            .map((v) => v.toLowerCase()),
    );
    if (policy.serviceIdentityIds.some((id) => keys.has(id.toLowerCase()))) return "is this service's own identity";
    if (policy.protectedUsers.some((entry) => keys.has(entry.toLowerCase())))
        return 'is on the protected list (PROTECTED_USERS)';
    if (policy.protectedGroupIds.length === 0) return undefined;
    if (memberOf === 'unknown') return 'protected-group membership could not be checked, so the user is not touched';
    const groups = new Set(policy.protectedGroupIds.map((id) => id.toLowerCase()));
    const hit = memberOf.find((id) => groups.has(id.toLowerCase()));
    return hit ? `is a member of protected group ${hit}` : undefined;
}

export function isGuest(user: DirectoryUser): boolean {
    return user.userType?.toLowerCase() === 'guest' || user.userPrincipalName.toUpperCase().includes('#EXT#');
}
