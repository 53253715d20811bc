import type { ServiceError } from '../errors';
import { guardUsers, type ProtectedSet } from '../guard/protectedSet';
import type { Directory, DirectoryUser } from '../ports/directory';

export type ResolvedUser =
    | { reference: string; kind: 'eligible'; user: DirectoryUser }
    | { reference: string; kind: 'protected'; user: DirectoryUser; reason: string }
    | { reference: string; kind: 'not-found' }
    /** Not resolved, or resolved but not guarded (a large protected group could not be checked): nothing is done. */
    | { reference: string; kind: 'failed'; error: ServiceError; user?: DirectoryUser }
    /** The same person named twice (UPN and object id): processed once, under the first reference. */
    | { reference: string; kind: 'duplicate'; of: string; user: DirectoryUser };

/**
 * Resolves every reference (one `GET` with `$select` each, batched) and guards each user against the tenant's
 * protected set, locally: no per-user Graph call unless a protected group is too large to have been listed.
 */
export async function resolveUsers(
    references: readonly string[],
    directory: Directory,
    protectedSet: ProtectedSet,
): Promise<ResolvedUser[]> {
    const lookups = await directory.getUsers(references);
    const found = [...lookups.values()].flatMap((lookup) => (lookup.ok ? [lookup.value] : []));
    const protections = await guardUsers(protectedSet, found, directory);
    const seen = new Map<string, string>();
    return references.map((reference): ResolvedUser => {
        const lookup = lookups.get(reference);
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
        const protection = protections.get(user.id) ?? { kind: 'eligible' };
        switch (protection.kind) {
            case 'protected':
                return { reference, kind: 'protected', user, reason: protection.reason };
            case 'unknown':
                return { reference, kind: 'failed', error: protection.error, user };
            case 'eligible':
                return { reference, kind: 'eligible', user };
        }
    });
}
