import type { SignOutRequest } from '../request/signOutRequest';

/**
 * The app roles of the API's app registration (infra/app/authentication.bicep). A caller's token carries the roles
 * assigned to it; every HTTP route names the role it needs (docs/permissions.md).
 */
export const ROLES = {
    /** Sign users out (revoke, cancel BC sessions, watch) and preview. */
    request: 'SignOut.Request',
    /** Also block sign-in, disable BC users, or name more than BULK_THRESHOLD users in one request. */
    block: 'SignOut.Block',
    /** Read requests: status, history. */
    read: 'SignOut.Read',
} as const;

export type Role = (typeof ROLES)[keyof typeof ROLES];

export const ALL_ROLES: readonly Role[] = Object.values(ROLES);

/**
 * The roles a request needs: a dry run changes nothing, so asking is enough; holding users out of their accounts, or
 * signing out many at once, is the heavier permission.
 */
export function rolesRequiredFor(request: SignOutRequest, bulkThreshold: number): Role[] {
    if (request.dryRun) return [ROLES.request];
    const { blockSignIn, disableBcUser } = request.actions;
    const holds = blockSignIn.kind !== 'off' || disableBcUser.kind !== 'off';
    return holds || request.users.length > bulkThreshold ? [ROLES.request, ROLES.block] : [ROLES.request];
}
