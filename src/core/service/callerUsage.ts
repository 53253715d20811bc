import { createHash } from 'node:crypto';
import { releaseUsers, reserveUsers, usageKeyOf, type Reservation } from '../callers/usageLimit';
import type { Caller } from '../ports/auditStore';
import type { SignOutRequest } from '../request/signOutRequest';
import type { ServiceDependencies } from './serviceDependencies';

/**
 * Counts a request's users against its caller's hour (CALLER_MAX_USERS_PER_HOUR), durably, so a leaked credential
 * cannot sign out the tenant however many instances answer it. A dry run changes nothing and is not counted.
 */
export async function reserveCallerUsage(
    request: SignOutRequest,
    caller: Caller,
    deps: ServiceDependencies,
    now: Date,
): Promise<Reservation> {
    if (request.dryRun) return { reserved: true, added: false };
    const wanted = {
        requestId: usageIdOf(request.requestId),
        users: request.users.length,
        now,
        limit: deps.settings.callers.maxUsersPerHour,
    };
    return deps.audit.updateCallerUsage(usageKeyOf(caller), (entries) => reserveUsers(entries, wanted));
}

export async function releaseCallerUsage(
    request: SignOutRequest,
    caller: Caller,
    deps: ServiceDependencies,
): Promise<void> {
    await deps.audit.updateCallerUsage(usageKeyOf(caller), (entries) => ({
        ...releaseUsers(entries, usageIdOf(request.requestId)),
        result: undefined,
    }));
}

/** A short stand-in for a request id (up to 128 characters): an hour of a busy caller still fits one table entity. */
function usageIdOf(requestId: string): string {
    return createHash('sha256').update(requestId).digest('base64url').slice(0, 16);
}
