import { mapWithConcurrency } from '../concurrency';
import { ServiceError } from '../errors';
import type { BcAdmin, BcAutomation, BcSession, BcUser } from '../ports/businessCentral';
import type { DirectoryUser } from '../ports/directory';
import type { SignOutRequest } from '../request/signOutRequest';
import type { SessionCounts, SystemOutcome } from '../result';
import { asServiceError, type EnvironmentView } from './discoverEnvironments';
import {
    indexSessions,
    namesOf,
    sessionsNamed,
    type SessionIdentity,
    type SessionIndex,
    type UnsureName,
} from './matching';
import { holdInForce, releaseAtOf } from './holds';
import { failedOutcome, holdLabel, outcome } from './outcome';
import type { HoldStore } from './signOutEngine';
import { stepKey, type StepJournal } from './stepJournal';

export const sessionsSystem = (environment: string) => `bc.${environment}.sessions`;
/** What an admin must do where the Automation API refuses the app (platform-facts §3). */
export const NOT_AUTHORIZED_DETAIL =
    "the app is not authorised for the Automation API in this environment, so the BC user cannot be disabled: add the app on the environment's Microsoft Entra apps page";
export const userSystem = (environment: string) => `bc.${environment}.user`;

export interface BcContext {
    bcAdmin: BcAdmin;
    bcAutomation: BcAutomation;
    journal: StepJournal;
    holds: HoldStore;
    concurrency: number;
    now: () => Date;
}

export interface EnvironmentPassResult {
    outcomes: Map<string, SystemOutcome[]>;
    identities: Map<string, SessionIdentity>;
}

/**
 * One environment: disables BC users when asked (a disabled user cannot reconnect), cancels every session of each
 * user's identity, then lists once more to verify. Users' steps already done in an earlier attempt are not repeated.
 * A user whose identity is not certain here (several BC users, sessions under names no BC user maps to them, an
 * Automation API that failed) has nothing done in this environment, and the outcome says why.
 */
export async function applyInEnvironment(
    view: EnvironmentView,
    users: readonly DirectoryUser[],
    identities: Map<string, SessionIdentity>,
    request: SignOutRequest,
    context: BcContext,
): Promise<EnvironmentPassResult> {
    const name = view.ref.name;
    const outcomes = new Map<string, SystemOutcome[]>();
    const add = (userId: string, value: SystemOutcome) =>
        outcomes.set(userId, [...(outcomes.get(userId) ?? []), value]);
    const now = context.now;

    if (view.state !== 'active') {
        for (const user of users) {
            if (request.actions.cancelBcSessions) add(user.id, environmentOutcome(sessionsSystem(name), view, now()));
            if (request.actions.disableBcUser.kind !== 'off')
                add(user.id, environmentOutcome(userSystem(name), view, now()));
        }
        return { outcomes, identities };
    }

    const cancelTargets = request.actions.cancelBcSessions
        ? notDone(users, sessionsSystem(name), context.journal, add)
        : [];
    const disableTargets =
        request.actions.disableBcUser.kind !== 'off' ? notDone(users, userSystem(name), context.journal, add) : [];
    const identityOf = (user: DirectoryUser): SessionIdentity => identities.get(user.id) ?? { kind: 'none' };

    const [cancelled, disabled] = await Promise.all([
        cancelSessions(view, cancelTargets, identityOf, request.dryRun, context),
        mapWithConcurrency(disableTargets, context.concurrency, (user) =>
            disableUser(view, user, identityOf(user), request, context).then((value) => [user.id, value] as const),
        ),
    ]);
    const disabledOutcomes = new Map(disabled);
    const verified = await verifySessions(view, cancelTargets, cancelled, identityOf, request.dryRun, context);

    const recorded: { step: string; user: string; outcome: SystemOutcome }[] = [];
    for (const user of cancelTargets) {
        const value = verified.get(user.id);
        if (value) recorded.push({ step: stepKey(sessionsSystem(name), user.id), user: user.id, outcome: value });
    }
    for (const user of disableTargets) {
        const value = disabledOutcomes.get(user.id);
        if (value) recorded.push({ step: stepKey(userSystem(name), user.id), user: user.id, outcome: value });
    }
    if (!request.dryRun) await context.journal.recordOutcomes(recorded);
    for (const { user, outcome: value } of recorded) add(user, value);
    return { outcomes, identities };
}

function environmentOutcome(system: string, view: EnvironmentView, at: Date): SystemOutcome {
    if (view.state === 'inactive')
        return outcome(system, 'skipped', at, {
            code: 'environment-not-active',
            detail: `environment status is ${view.serviceStatus}`,
        });
    const error =
        view.error ?? new ServiceError('bc-admin', undefined, 'environment-unavailable', 'environment unavailable');
    return failedOutcome(system, error, at);
}

function notDone(
    users: readonly DirectoryUser[],
    system: string,
    journal: StepJournal,
    add: (userId: string, value: SystemOutcome) => void,
): DirectoryUser[] {
    return users.filter((user) => {
        const done = journal.outcomeOf(stepKey(system, user.id));
        if (done) add(user.id, done);
        return !done;
    });
}

/**
 * Why nothing can be done for a person in an environment, as an outcome of `system`; undefined when their sessions
 * can be acted on. `none` is no problem: there is simply nothing of theirs there.
 */
function identityProblem(
    system: string,
    identity: SessionIdentity,
    user: DirectoryUser,
    index: SessionIndex,
    at: Date,
): SystemOutcome | undefined {
    switch (identity.kind) {
        case 'mapped':
        case 'heuristic':
            return undefined;
        case 'none':
            return outcome(system, 'skipped', at, {
                code: 'no-bc-user',
                detail: 'no BC user has this e-mail in the environment, and no session runs under their names',
            });
        case 'ambiguous':
            return outcome(system, 'failed', at, {
                code: 'ambiguous-bc-user',
                detail: `${identity.candidates.length} BC users have this person's e-mail (${identity.candidates.join(', ')}): none was picked, nothing was cancelled or disabled here; give each BC user its own contact e-mail`,
            });
        case 'unmapped': {
            const live = sessionsNamed(index, identity.sessionNames).length;
            return outcome(system, 'failed', at, {
                code: 'unmapped-sessions',
                detail: `no BC user has this person's e-mail, yet ${live} session(s) run under ${identity.sessionNames.join(', ')}: not cancelled by guess; set that BC user's contact e-mail to ${user.userPrincipalName}`,
                counts: { found: live, cancelled: 0, alreadyGone: 0, residual: live },
            });
        }
        case 'unavailable':
            return failedOutcome(
                system,
                identity.error,
                at,
                `the Automation API could not map this person to a BC user here (${identity.error.code}); nothing is guessed`,
            );
    }
}

interface CancelTally {
    matched: BcSession[];
    counts: SessionCounts;
    error?: ServiceError;
}

async function cancelSessions(
    view: EnvironmentView,
    users: readonly DirectoryUser[],
    identityOf: (user: DirectoryUser) => SessionIdentity,
    dryRun: boolean,
    context: BcContext,
): Promise<Map<string, CancelTally>> {
    const tallies = new Map<string, CancelTally>();
    const work: { userId: string; session: BcSession }[] = [];
    for (const user of users) {
        const matched = sessionsNamed(view.index, namesOf(identityOf(user)));
        tallies.set(user.id, { matched, counts: { found: matched.length, cancelled: 0, alreadyGone: 0, residual: 0 } });
        if (!dryRun) work.push(...matched.map((session) => ({ userId: user.id, session })));
    }
    await mapWithConcurrency(work, context.concurrency, async ({ userId, session }) => {
        const tally = tallies.get(userId)!;
        try {
            const result = await context.bcAdmin.deleteSession(view.ref, session.sessionId);
            if (result === 'cancelled') tally.counts.cancelled++;
            else tally.counts.alreadyGone++;
        } catch (error) {
            tally.error ??= asServiceError(error);
        }
    });
    return tallies;
}

/** Lists the environment again: a session still there is residual, not success. */
async function verifySessions(
    view: EnvironmentView,
    users: readonly DirectoryUser[],
    tallies: Map<string, CancelTally>,
    identityOf: (user: DirectoryUser) => SessionIdentity,
    dryRun: boolean,
    context: BcContext,
): Promise<Map<string, SystemOutcome>> {
    const system = sessionsSystem(view.ref.name);
    const results = new Map<string, SystemOutcome>();
    const anyCancelled = [...tallies.values()].some((tally) => tally.matched.length > 0);
    let after: SessionIndex | ServiceError = new Map();
    if (!dryRun && anyCancelled)
        after = await context.bcAdmin.listSessions(view.ref).then(indexSessions, asServiceError);
    for (const user of users) {
        const tally = tallies.get(user.id)!;
        const identity = identityOf(user);
        const at = context.now();
        const problem = identityProblem(system, identity, user, view.index, at);
        if (problem) {
            results.set(user.id, problem);
            continue;
        }
        const heuristic = identity.kind === 'heuristic' ? { heuristic: true } : {};
        const unsure = identity.kind === 'heuristic' ? identity.unsure : [];
        const unsureSessions = sessionsNamed(
            view.index,
            unsure.map((entry) => entry.name),
        ).length;
        if (dryRun) {
            results.set(user.id, outcome(system, 'would-do', at, { counts: tally.counts, ...heuristic }));
            continue;
        }
        if (tally.error) {
            results.set(user.id, { ...failedOutcome(system, tally.error, at), counts: tally.counts, ...heuristic });
            continue;
        }
        if (after instanceof ServiceError) {
            results.set(user.id, {
                ...failedOutcome(system, after, at, 'sessions were cancelled but the check that they are gone failed'),
                counts: tally.counts,
                ...heuristic,
            });
            continue;
        }
        const remaining = sessionsNamed(after, namesOf(identity));
        const counts = { ...tally.counts, residual: remaining.length + unsureSessions };
        if (remaining.length > 0)
            results.set(
                user.id,
                outcome(system, 'failed', at, {
                    code: 'sessions-remain',
                    detail: residualDetail(remaining, tally.matched),
                    counts,
                    ...heuristic,
                }),
            );
        else if (unsure.length > 0) results.set(user.id, unsureOutcome(system, unsure, unsureSessions, counts, at));
        else results.set(user.id, outcome(system, 'succeeded', at, { counts, ...heuristic }));
    }
    return results;
}

/** Sessions under a name that could be someone else's were left alone: the person's sign-out is not complete. */
function unsureOutcome(
    system: string,
    unsure: readonly UnsureName[],
    sessions: number,
    counts: SessionCounts,
    at: Date,
): SystemOutcome {
    const lookupError = unsure.find((entry): entry is UnsureName & { error: ServiceError } => 'error' in entry)?.error;
    const why = unsure
        .map((entry) =>
            'error' in entry
                ? `${entry.name} (who else it could mean could not be looked up: ${entry.error.code})`
                : `${entry.name} (could also be ${entry.alsoMeans.slice(0, 5).join(', ')})`,
        )
        .join('; ');
    const detail = `matched by name heuristics (the Automation API is not authorised here); ${sessions} session(s) under ${why} were not cancelled`;
    return lookupError
        ? { ...failedOutcome(system, lookupError, at, detail), counts, heuristic: true }
        : outcome(system, 'failed', at, { code: 'ambiguous-bc-user', detail, counts, heuristic: true });
}

/** Tells a cancelled session that stayed from a new one: a user who refreshed at once reconnects as a new session. */
function residualDetail(remaining: readonly BcSession[], cancelled: readonly BcSession[]): string {
    const cancelledIds = new Set(cancelled.map((session) => session.sessionId));
    const stayed = remaining.filter((session) => cancelledIds.has(session.sessionId)).length;
    const reconnected = remaining.length - stayed;
    const parts = [
        ...(stayed > 0 ? [`${stayed} cancelled session(s) still present`] : []),
        ...(reconnected > 0
            ? [`${reconnected} new session(s) opened since (a reconnect; the watch cancels those)`]
            : []),
    ];
    return parts.join('; ');
}

/** Sets the BC user's `state` to `Disabled`, journalling the prior state first; a stale etag is re-read once. */
async function disableUser(
    view: EnvironmentView,
    user: DirectoryUser,
    identity: SessionIdentity,
    request: SignOutRequest,
    context: BcContext,
): Promise<SystemOutcome> {
    const system = userSystem(view.ref.name);
    const step = stepKey(system, user.id);
    if (identity.kind === 'heuristic' && view.automation?.kind === 'not-authorized')
        return failedOutcome(system, view.automation.error, context.now(), NOT_AUTHORIZED_DETAIL);
    if (identity.kind !== 'mapped') return identityProblem(system, identity, user, view.index, context.now())!;
    const bcUser = identity.bcUser;
    const intent = context.journal.intentOf(step);
    // A state the API did not report is unknown, never assumed enabled: a release then leaves it alone.
    let prior = String(intent?.prior ?? bcUser.state ?? 'unknown');
    let patch = intent?.patch !== false;
    let heldBy: string | undefined;
    if (!intent && bcUser.state === 'Disabled') {
        // Disabled by someone else: not ours. Disabled under another request's hold: extend it, keeping its prior.
        const now = context.now();
        const held = holdInForce(
            await context.holds.listHoldsFor(user.id),
            'bc-disable',
            view.ref.name,
            now,
            request.requestId,
        );
        if (!held)
            return outcome(system, 'skipped', now, {
                detail: 'the BC user was already disabled; left as is',
                prior: 'Disabled',
            });
        [prior, patch, heldBy] = [held.prior, false, held.requestId];
    }
    const holdUntil = holdLabel(request.actions.disableBcUser);
    const held = holdUntil ? { holdUntil } : {};
    if (request.dryRun) return outcome(system, 'would-do', context.now(), { prior, ...held });
    if (!intent)
        await context.journal.recordIntents([
            { step, user: user.id, data: { prior, patch, userSecurityId: bcUser.userSecurityId } },
        ]);
    if (patch) {
        try {
            await setDisabled(view.ref.name, bcUser, context.bcAutomation);
        } catch (error) {
            return failedOutcome(system, asServiceError(error), context.now());
        }
    }
    const done = outcome(system, 'succeeded', context.now(), {
        prior,
        ...held,
        ...(heldBy && { detail: `already disabled under request ${heldBy}; this request's hold now applies too` }),
    });
    const releaseAt = releaseAtOf(request.actions.disableBcUser);
    if (releaseAt)
        await context.holds.upsertHold({
            requestId: request.requestId,
            tenantId: request.tenantId,
            kind: 'bc-disable',
            objectId: user.id,
            userPrincipalName: user.userPrincipalName,
            environment: view.ref.name,
            bcUserSecurityId: bcUser.userSecurityId,
            prior,
            setTo: 'Disabled',
            changedAt: done.at,
            releaseAt,
        });
    return done;
}

async function setDisabled(environment: string, bcUser: BcUser, automation: BcAutomation): Promise<void> {
    try {
        await automation.setUserState(environment, bcUser, 'Disabled');
    } catch (error) {
        if (!(error instanceof ServiceError && error.code === 'etag-mismatch')) throw error;
        const fresh = await automation.getUser(environment, bcUser.userSecurityId);
        if (fresh && fresh.state !== 'Disabled') await automation.setUserState(environment, fresh, 'Disabled');
    }
}
