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
    setAccountEnabled(userIds: readonly string[], enabled: boolean): Promise<Map<string, ItemResult<true>>>;
}
