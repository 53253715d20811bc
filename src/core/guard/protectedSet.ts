import type { ServiceError } from '../errors';
import type { Directory, DirectoryGroup, DirectoryUserRef } from '../ports/directory';
import { noAnswer } from '../directoryAnswers';

/**
 * Everyone a tenant protects, resolved once: object ids, UPNs and mails (lower case) with the reason each is
 * protected. Requests guard against it locally; it is rebuilt off the request path (protectedSetCache.ts).
 */
export interface ProtectedSet {
    tenantId: string;
    /** Epoch ms it was built. */
    builtAt: number;
    reasons: ReadonlyMap<string, string>;
    /** Protected groups too large to list, with why their members are protected: checked per user instead. */
    largeGroups: readonly (DirectoryGroup & { reason: string })[];
    /** Worth an admin's attention, never blocking (e.g. a tenant with no protected entries of its own). */
    warnings: readonly string[];
}

export type Protection =
    | { kind: 'eligible' }
    | { kind: 'protected'; reason: string }
    /** Membership of a large protected group could not be checked: the user is not touched this time. */
    | { kind: 'unknown'; error: ServiceError };

/** The keys a user is known by in the set. */
function keysOf(user: DirectoryUserRef): string[] {
    return [user.id, user.userPrincipalName, user.mail]
        .filter((key): key is string => !!key)
        .map((key) => key.toLowerCase());
}

/** Why the user is protected according to the set alone, or undefined. */
export function protectionReason(set: ProtectedSet, user: DirectoryUserRef): string | undefined {
    for (const key of keysOf(user)) {
        const reason = set.reasons.get(key);
        if (reason) return reason;
    }
    return undefined;
}

/**
 * Guards users against the set; members of large protected groups are checked with `checkMemberGroups` (one
 * batched round trip, only when such groups exist). A check that fails leaves the user `unknown`: never eligible.
 */
export async function guardUsers(
    set: ProtectedSet,
    users: readonly DirectoryUserRef[],
    directory: Pick<Directory, 'checkMemberGroups'>,
): Promise<Map<string, Protection>> {
    const protections = new Map<string, Protection>();
    const unlisted: DirectoryUserRef[] = [];
    for (const user of users) {
        const reason = protectionReason(set, user);
        if (reason) protections.set(user.id, { kind: 'protected', reason });
        else unlisted.push(user);
    }
    if (set.largeGroups.length === 0 || unlisted.length === 0) {
        for (const user of unlisted) protections.set(user.id, { kind: 'eligible' });
        return protections;
    }
    const memberships = await directory.checkMemberGroups(
        unlisted.map((user) => user.id),
        set.largeGroups.map((group) => group.id),
    );
    for (const user of unlisted) {
        const answer = memberships.get(user.id);
        if (!answer?.ok) {
            const error = answer?.error ?? noAnswer();
            protections.set(user.id, { kind: 'unknown', error });
            continue;
        }
        const hit = set.largeGroups.find((group) => answer.value.includes(group.id));
        protections.set(user.id, hit ? { kind: 'protected', reason: hit.reason } : { kind: 'eligible' });
    }
    return protections;
}
