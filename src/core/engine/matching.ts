import type { BcSession, BcUser } from '../ports/businessCentral';
import type { DirectoryUser } from '../ports/directory';

/** The BC user names a person's sessions carry, and whether they came from a guess. */
export interface SessionIdentity {
    names: string[];
    heuristic: boolean;
    bcUser?: BcUser;
}

/**
 * Maps an Entra user to the BC user through the Automation API: `contactEmail` equal to the UPN or mail,
 * case-insensitively. Session `userId` is the BC user name (platform-facts §2, inferred).
 */
export function identityFromAutomation(user: DirectoryUser, bcUsers: readonly BcUser[]): SessionIdentity {
    const emails = new Set(
        [user.userPrincipalName, user.mail].filter((v): v is string => !!v).map((v) => v.toLowerCase()),
    );
    const bcUser = bcUsers.find(
        (candidate) => candidate.contactEmail && emails.has(candidate.contactEmail.toLowerCase()),
    );
    return bcUser ? { names: [bcUser.userName], heuristic: false, bcUser } : { names: [], heuristic: false };
}

/** Without the Automation API, a session's `userId` is compared with the UPN, mail and UPN local part. */
export function identityFromHeuristics(user: DirectoryUser): SessionIdentity {
    const localPart = user.userPrincipalName.split('@')[0] ?? '';
    const names = [user.userPrincipalName, user.mail, localPart].filter((v): v is string => !!v);
    return { names: [...new Set(names.map((name) => name.toUpperCase()))], heuristic: true };
}

export function sessionBelongsTo(session: BcSession, names: readonly string[]): boolean {
    const userId = session.userId.toUpperCase();
    return names.some((name) => name.toUpperCase() === userId);
}

/** Session users that match no requested person, each once: reported, never touched. */
export function unmatchedSessionUsers(sessions: readonly BcSession[], allNames: readonly string[]): string[] {
    const known = new Set(allNames.map((name) => name.toUpperCase()));
    return [...new Set(sessions.map((s) => s.userId.toUpperCase()).filter((userId) => !known.has(userId)))];
}
