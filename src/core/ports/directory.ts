import type { ServiceError } from '../errors';

/** The Entra user as this service needs it (Graph `$select`). */
export interface DirectoryUser {
    id: string;
    userPrincipalName: string;
    mail: string | null;
    userType: string | null;
    accountEnabled: boolean | null;
    signInSessionsValidFromDateTime: string | null;
}

/** Per-item answer of a batched call: the value, or the service's error for that item alone. */
export type ItemResult<T> = { ok: true; value: T } | { ok: false; error: ServiceError };

export interface DirectoryGroup {
    id: string;
    displayName: string;
}

/** A user as a listing names it: enough to recognise them by object id, UPN or mail. */
export type DirectoryUserRef = Pick<DirectoryUser, 'id' | 'userPrincipalName' | 'mail'>;

/** Users of a listing, and whether the listing was read to its end (false: stopped at the caller's limit). */
export interface UserListing {
    users: DirectoryUserRef[];
    complete: boolean;
}

/** An active directory role assignment (platform-facts §10); a principal may be a user, a group or an app. */
export interface RoleAssignment {
    roleTemplateId: string;
    principal:
        | ({ kind: 'user' } & DirectoryUserRef)
        | { kind: 'group'; id: string; displayName: string }
        | { kind: 'other'; id: string };
}

/** One change of a user's `accountEnabled` in the directory audit log (platform-facts §11). */
export interface AccountEnabledChange {
    at: string;
    /** The app (client) id and service principal id when an app made the change. */
    appId?: string;
    servicePrincipalId?: string;
    /** The admin's UPN (or object id) when a person made it. */
    userPrincipalName?: string;
    newValue?: boolean;
}

export interface LookUpAndRevoke {
    user: ItemResult<DirectoryUser>;
    revoked: ItemResult<true>;
}

/** Entra ID through Microsoft Graph; every method batches (`$batch`, 20 per batch) and retries throttled items. */
export interface Directory {
    /** Looks users up by UPN or object id; an unknown user answers an error with code `Request_ResourceNotFound`. */
    getUsers(references: readonly string[]): Promise<Map<string, ItemResult<DirectoryUser>>>;
    /** The subset of `groupIds` each user is a transitive member of. */
    checkMemberGroups(
        userIds: readonly string[],
        groupIds: readonly string[],
    ): Promise<Map<string, ItemResult<string[]>>>;
    revokeSignInSessions(userIds: readonly string[]): Promise<Map<string, ItemResult<true>>>;
    /**
     * Looks each reference up and revokes its sessions in the same `$batch` (one round trip); the revocation depends on
     * the look-up, so an unknown user costs no write. Only for references the protected set has already cleared.
     */
    lookUpAndRevoke(references: readonly string[]): Promise<Map<string, LookUpAndRevoke>>;
    setAccountEnabled(userIds: readonly string[], enabled: boolean): Promise<Map<string, ItemResult<true>>>;
    /** Per local part (before `@`), every user whose UPN or mail has it: who else a name fragment could mean. */
    findUsersByLocalPart(localParts: readonly string[]): Promise<Map<string, ItemResult<DirectoryUserRef[]>>>;
    /** Groups by id; an unknown group answers `Request_ResourceNotFound` (404). */
    getGroups(groupIds: readonly string[]): Promise<Map<string, ItemResult<DirectoryGroup>>>;
    /** Transitive user members of each group, read up to `maxUsers` each (then `complete: false`). */
    listGroupUsers(groupIds: readonly string[], maxUsers: number): Promise<Map<string, ItemResult<UserListing>>>;
    /** Active assignments of the given built-in roles (template ids), or of every role. Throws a ServiceError. */
    listRoleAssignments(roleTemplateIds: readonly string[] | 'all'): Promise<RoleAssignment[]>;
    /**
     * Changes of the user's `accountEnabled` since `since`, from the directory audit log. Throws a ServiceError;
     * 403 when the app lacks AuditLog.Read.All.
     */
    listAccountEnabledChanges(objectId: string, since: Date): Promise<AccountEnabledChange[]>;
}
