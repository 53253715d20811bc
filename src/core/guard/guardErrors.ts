import { ConfigurationError, TransientServiceError, type ServiceError } from '../errors';

/**
 * A protected entry that does not resolve (a mistyped UPN, a deleted group, a permission the guard needs): nothing
 * runs until it is fixed, because an unresolved entry would leave someone unprotected.
 */
export class ProtectedEntryError extends ConfigurationError {
    readonly code = 'protected-entry-unresolved';
    constructor(
        setting: 'PROTECTED_USERS' | 'PROTECTED_GROUP_IDS' | 'PROTECTED_ROLES',
        readonly entry: string,
        readonly tenantId: string,
        reason: string,
    ) {
        super(setting, `entry "${entry}" ${reason} (tenant ${tenantId}); no sign-out runs until it is fixed`);
    }
}

/** How long to wait before asking again when the guard could not be refreshed. */
const GUARD_RETRY_AFTER_IN_MS = 30_000;

/** The protected set could not be built or refreshed in time: requests wait, they never run unguarded. */
export class GuardUnavailableError extends TransientServiceError {
    constructor(cause: ServiceError) {
        super(
            cause.service,
            cause.statusCode,
            'guard-unavailable',
            `The protected-account guard could not be evaluated (${cause.service} ${cause.code}); nothing runs until it can`,
            (cause instanceof TransientServiceError ? cause.retryAfterInMs : undefined) ?? GUARD_RETRY_AFTER_IN_MS,
        );
    }
}
