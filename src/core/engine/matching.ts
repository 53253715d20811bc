import { ServiceError } from '../errors';
import type { BcSession, BcUser } from '../ports/businessCentral';
import type { DirectoryUser, DirectoryUserRef } from '../ports/directory';

/**
 * Session `userId` is BC's user name (platform-facts §2, inferred), so a person's sessions are found by the names
 * their BC user carries. The authoritative map is the Automation API (`contactEmail` = UPN or mail); name
 * heuristics are used only where that API says the app is not authorised, and never on a fragment that could mean
 * someone else.
 */

/** Sessions of one listing by upper-case user name: built once per listing, so matching is linear. */
export type SessionIndex = ReadonlyMap<string, readonly BcSession[]>;

/** Indexes already built, by listing: requests that share a listing share its index (both are read-only). */
const sessionIndexes = new WeakMap<readonly BcSession[], SessionIndex>();
const automationAnswers = new WeakMap<readonly BcUser[], AutomationAnswer>();

export function indexSessions(sessions: readonly BcSession[]): SessionIndex {
    const known = sessionIndexes.get(sessions);
    if (known) return known;
    const index = new Map<string, BcSession[]>();
    for (const session of sessions) {
        const key = session.userId.toUpperCase();
        const list = index.get(key);
        if (list) list.push(session);
        else index.set(key, [session]);
    }
    sessionIndexes.set(sessions, index);
    return index;
}

/** BC users by lower-case contact e-mail. */
export type BcUsersByEmail = ReadonlyMap<string, readonly BcUser[]>;

export function indexBcUsersByEmail(users: readonly BcUser[]): BcUsersByEmail {
    const index = new Map<string, BcUser[]>();
    for (const user of users) {
        const key = user.contactEmail?.trim().toLowerCase();
        if (!key) continue;
        const list = index.get(key);
        if (list) list.push(user);
        else index.set(key, [user]);
    }
    return index;
}

/** What the Automation API says about an environment's users. */
export type AutomationAnswer =
    | { kind: 'users'; byEmail: BcUsersByEmail }
    /** 401/403 from the Automation API: the app is not registered in the environment. Heuristics are allowed. */
    | { kind: 'not-authorized'; error: ServiceError }
    /** Anything else (throttling or 5xx past the retries, time-outs): nothing may be guessed. */
    | { kind: 'failed'; error: ServiceError };

export function automationAnswerOf(users: readonly BcUser[] | ServiceError): AutomationAnswer {
    if (!(users instanceof ServiceError)) {
        const known = automationAnswers.get(users);
        if (known) return known;
        const answer: AutomationAnswer = { kind: 'users', byEmail: indexBcUsersByEmail(users) };
        automationAnswers.set(users, answer);
        return answer;
    }
    const refused = users.service === 'bc-automation' && (users.statusCode === 401 || users.statusCode === 403);
    return refused ? { kind: 'not-authorized', error: users } : { kind: 'failed', error: users };
}

/** A name under which sessions run that could be this person's or someone else's: never cancelled. */
export type UnsureName =
    | { name: string; alsoMeans: readonly string[] }
    /** Who else has that local part could not be looked up. */
    | { name: string; error: ServiceError };

export type SessionIdentity =
    /** Exactly one BC user has the person's e-mail. */
    | { kind: 'mapped'; names: [string]; bcUser: BcUser }
    /** The Automation API refused the app here: UPN, mail, and the UPN's local part when it is unique. */
    | { kind: 'heuristic'; names: string[]; unsure: UnsureName[] }
    /** Several BC users have the person's e-mail: refused, nothing is picked. */
    | { kind: 'ambiguous'; candidates: string[] }
    /** No BC user has the person's e-mail, yet sessions run under the person's names. */
    | { kind: 'unmapped'; sessionNames: string[] }
    /** No BC user, and no session under the person's names. */
    | { kind: 'none' }
    | { kind: 'unavailable'; error: ServiceError };

/** The names sessions are cancelled under (none unless mapped or heuristic). */
export function namesOf(identity: SessionIdentity): readonly string[] {
    return identity.kind === 'mapped' || identity.kind === 'heuristic' ? identity.names : [];
}

/** `ALICE` for `alice@contoso.com`. */
export function localPartOf(user: Pick<DirectoryUser, 'userPrincipalName'>): string {
    return (user.userPrincipalName.split('@')[0] ?? '').toUpperCase();
}

function wholeNames(user: DirectoryUser): string[] {
    return [
        ...new Set([user.userPrincipalName, user.mail].filter((v): v is string => !!v).map((v) => v.toUpperCase())),
    ];
}

/** Other Entra users per lower-case local part (from `findUsersByLocalPart`), or the look-up's error. */
export type LocalPartOwners = ReadonlyMap<string, readonly DirectoryUserRef[] | ServiceError>;

/**
 * Whether this person's UPN local part may be matched as a session name here: only when it is needed (a session runs
 * under it, and it is not already one of the whole names) and then only when no other Entra user has it.
 */
function localPartVerdict(
    user: DirectoryUser,
    index: SessionIndex,
    owners: LocalPartOwners | undefined,
): { use: false; unsure?: UnsureName } | { use: true; name: string } {
    const name = localPartOf(user);
    if (!name || !index.has(name) || wholeNames(user).includes(name)) return { use: false };
    const known = owners?.get(name.toLowerCase());
    if (known === undefined)
        return {
            use: false,
            unsure: { name, error: new ServiceError('graph', undefined, 'not-looked-up', 'not looked up') },
        };
    if (known instanceof ServiceError) return { use: false, unsure: { name, error: known } };
    const others = known.filter((other) => other.id !== user.id).map((other) => other.userPrincipalName);
    return others.length === 0 ? { use: true, name } : { use: false, unsure: { name, alsoMeans: others } };
}

/** Whether the local part of `user` must be looked up before it can be decided in this environment. */
export function needsLocalPartLookup(user: DirectoryUser, index: SessionIndex, automation: AutomationAnswer): boolean {
    const name = localPartOf(user);
    if (!name || !index.has(name) || wholeNames(user).includes(name)) return false;
    return (
        automation.kind === 'not-authorized' ||
        (automation.kind === 'users' && bcUsersOf(user, automation.byEmail).length === 0)
    );
}

function bcUsersOf(user: DirectoryUser, byEmail: BcUsersByEmail): BcUser[] {
    const found = new Map<string, BcUser>();
    for (const email of [user.userPrincipalName, user.mail])
        for (const bcUser of (email && byEmail.get(email.toLowerCase())) || [])
            found.set(bcUser.userSecurityId, bcUser);
    return [...found.values()];
}

/** The one decision of whose sessions are whose, for the engine and the sweep alike. */
export function sessionIdentity(
    user: DirectoryUser,
    index: SessionIndex,
    automation: AutomationAnswer,
    owners?: LocalPartOwners,
): SessionIdentity {
    switch (automation.kind) {
        case 'failed':
            return { kind: 'unavailable', error: automation.error };
        case 'users': {
            const candidates = bcUsersOf(user, automation.byEmail);
            if (candidates.length === 1)
                return { kind: 'mapped', names: [candidates[0]!.userName], bcUser: candidates[0]! };
            if (candidates.length > 1)
                return { kind: 'ambiguous', candidates: candidates.map((c) => c.userName).sort() };
            const sessionNames = wholeNames(user).filter((name) => index.has(name));
            const local = localPartVerdict(user, index, owners);
            if (local.use) sessionNames.push(local.name);
            else if (local.unsure !== undefined && 'error' in local.unsure)
                return { kind: 'unavailable', error: local.unsure.error };
            // Under a local part another person shares, they may be this person's sessions: reported all the same.
            else if (local.unsure !== undefined) sessionNames.push(local.unsure.name);
            return sessionNames.length > 0 ? { kind: 'unmapped', sessionNames } : { kind: 'none' };
        }
        case 'not-authorized': {
            const names = wholeNames(user);
            const local = localPartVerdict(user, index, owners);
            if (local.use) names.push(local.name);
            return { kind: 'heuristic', names, unsure: !local.use && local.unsure ? [local.unsure] : [] };
        }
    }
}

/** The sessions of the listing that carry one of `names`. */
export function sessionsNamed(index: SessionIndex, names: readonly string[]): BcSession[] {
    return names.flatMap((name) => index.get(name.toUpperCase()) ?? []);
}

/** Session users that match no requested person's names, each once: reported, never touched. */
export function unmatchedSessionUsers(index: SessionIndex, matchedNames: Iterable<string>): string[] {
    const matched = new Set([...matchedNames].map((name) => name.toUpperCase()));
    return [...index.keys()].filter((name) => !matched.has(name));
}
