import type { ServiceError } from '../errors';
import type { Directory, DirectoryUser } from '../ports/directory';
import { protectionReason, type GuardPolicy } from './guard';

export type ResolvedUser =
    | { reference: string; kind: 'eligible'; user: DirectoryUser }
    | { reference: string; kind: 'protected'; user: DirectoryUser; reason: string }
    | { reference: string; kind: 'not-found' }
    | { reference: string; kind: 'failed'; error: ServiceError }
    /** The same person named twice (UPN and object id): processed once, under the first reference. */
    | { reference: string; kind: 'duplicate'; of: string; user: DirectoryUser };

/**
 * Resolves every reference (one `GET` with `$select` each) and guards it. Group membership is checked in the same
 * round trip, by reference: `checkMemberGroups` accepts a UPN as well as an id.
 */
export async function resolveUsers(
    references: readonly string[],
    directory: Directory,
    policy: GuardPolicy,
): Promise<ResolvedUser[]> {
    const [users, groups] = await Promise.all([
        directory.getUsers(references),
        policy.protectedGroupIds.length > 0
            ? directory.checkMemberGroups(references, policy.protectedGroupIds)
            : undefined,
    ]);
    const seen = new Map<string, string>();
    return references.map((reference): ResolvedUser => {
        const lookup = users.get(reference);
        if (!lookup) return { reference, kind: 'not-found' };
        if (!lookup.ok) {
            return lookup.error.statusCode === 404 || lookup.error.code === 'Request_ResourceNotFound'
                ? { reference, kind: 'not-found' }
                : { reference, kind: 'failed', error: lookup.error };
        }
        const user = lookup.value;
        const first = seen.get(user.id);
        if (first) return { reference, kind: 'duplicate', of: first, user };
        seen.set(user.id, reference);
        const membership = groups?.get(reference);
        const memberOf = membership === undefined ? [] : membership.ok ? membership.value : 'unknown';
        const reason = protectionReason(reference, user, policy, memberOf);
        return reason ? { reference, kind: 'protected', user, reason } : { reference, kind: 'eligible', user };
    });
}
