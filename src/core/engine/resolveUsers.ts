import type { ServiceError } from '../errors';
import { guardUsers, protectionReason, type ProtectedSet } from '../guard/protectedSet';
import type { Directory, DirectoryUser, ItemResult } from '../ports/directory';
import { isNotFound, noAnswer } from '../directoryAnswers';

export type ResolvedUser =
    | { reference: string; kind: 'eligible'; user: DirectoryUser }
    /**
     * `revokedFirst`: the account's sessions were revoked together with its look-up, because the protected set did
     * not know the name it was asked by (a protected account renamed since the set was built); nothing else is done.
     */
    | { reference: string; kind: 'protected'; user: DirectoryUser; reason: string; revokedFirst?: boolean }
    | { reference: string; kind: 'not-found' }
    /** Not resolved, or resolved but not guarded (a large protected group could not be checked): nothing is done. */
    | { reference: string; kind: 'failed'; error: ServiceError; user?: DirectoryUser }
    /** The same person named twice (UPN and object id): processed once, under the first reference. */
    | { reference: string; kind: 'duplicate'; of: string; user: DirectoryUser };

export interface Resolution {
    resolved: ResolvedUser[];
    /** Revocations made with the look-up, by object id of the eligible users. */
    revoked: Map<string, ItemResult<true>>;
}

export interface ResolveOptions {
    /**
     * Revoke in the look-up's own `$batch` (one round trip) for every reference the protected set clears by name.
     * Only when no protected group must be checked per user, since the guard must decide before anything changes.
     */
    revokeWithLookUp: boolean;
    /** Object ids already resolved in this request (other chunks), by the reference that named them first. */
    seen: Map<string, string>;
}

/** The code of that revocation's outcome, in the result, the journal and what remains. */
export const REVOKED_BEFORE_GUARD = 'revoked-before-guard';

/**
 * Resolves references (one batched `GET` with `$select` each) and guards each user against the tenant's protected
 * set, locally: no per-user Graph call unless a protected group is too large to have been listed.
 */
export async function resolveUsers(
    references: readonly string[],
    directory: Directory,
    protectedSet: ProtectedSet,
    options: ResolveOptions,
): Promise<Resolution> {
    const combined = options.revokeWithLookUp && protectedSet.largeGroups.length === 0;
    const namedProtected = (reference: string) =>
        protectionReason(protectedSet, { id: reference.toLowerCase(), userPrincipalName: reference, mail: null });
    const lookUpOnly = combined ? references.filter(namedProtected) : references;
    const withRevocation = combined ? references.filter((reference) => !namedProtected(reference)) : [];
    const [looked, both] = await Promise.all([
        lookUpOnly.length > 0 ? directory.getUsers(lookUpOnly) : new Map<string, ItemResult<DirectoryUser>>(),
        withRevocation.length > 0 ? directory.lookUpAndRevoke(withRevocation) : new Map(),
    ]);
    const lookups = new Map(looked);
    const revokedByReference = new Map<string, ItemResult<true>>();
    for (const [reference, answer] of both) {
        lookups.set(reference, answer.user);
        revokedByReference.set(reference, answer.revoked);
    }
    const found = [...lookups.values()].flatMap((lookup) => (lookup.ok ? [lookup.value] : []));
    const protections = await guardUsers(protectedSet, found, directory);

    const revoked = new Map<string, ItemResult<true>>();
    const resolved = references.map((reference): ResolvedUser => {
        const lookup = lookups.get(reference);
        if (!lookup) return { reference, kind: 'not-found' };
        if (!lookup.ok)
            return isNotFound(lookup.error)
                ? { reference, kind: 'not-found' }
                : { reference, kind: 'failed', error: lookup.error };
        const user = lookup.value;
        const first = options.seen.get(user.id);
        if (first) return { reference, kind: 'duplicate', of: first, user };
        options.seen.set(user.id, reference);
        const protection = protections.get(user.id) ?? { kind: 'unknown', error: noAnswer() };
        const revocation = revokedByReference.get(reference);
        switch (protection.kind) {
            case 'protected':
                return {
                    reference,
                    kind: 'protected',
                    user,
                    reason: protection.reason,
                    ...(revocation?.ok && { revokedFirst: true }),
                };
            case 'unknown':
                return { reference, kind: 'failed', error: protection.error, user };
            case 'eligible':
                if (revocation) revoked.set(user.id, revocation);
                return { reference, kind: 'eligible', user };
        }
    });
    return { resolved, revoked };
}
