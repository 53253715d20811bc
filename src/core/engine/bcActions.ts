import { mapWithConcurrency } from '../concurrency';
import { ServiceError } from '../errors';
import type { BcAdmin, BcAutomation, BcSession, BcUser } from '../ports/businessCentral';
import type { DirectoryUser } from '../ports/directory';
import type { SignOutRequest } from '../request/signOutRequest';
import type { SessionCounts, SystemOutcome } from '../result';
import { asServiceError, type EnvironmentView } from './discoverEnvironments';
import { identityFromAutomation, identityFromHeuristics, sessionBelongsTo, type SessionIdentity } from './matching';
import { holdInForce, releaseAtOf } from './holds';
import { failedOutcome, holdLabel, outcome } from './outcome';
import type { HoldStore } from './signOutEngine';
import { stepKey, type StepJournal } from './stepJournal';

export const sessionsSystem = (environment: string) => `bc.${environment}.sessions`;
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

/** Which names each user's sessions carry in this environment: from the Automation API, else by heuristics. */
function identitiesIn(view: EnvironmentView, users: readonly DirectoryUser[]): Map<string, SessionIdentity> {
    const bcUsers = Array.isArray(view.bcUsers) ? view.bcUsers : undefined;
    return new Map(
        users.map((user) => [user.id, bcUsers ? identityFromAutomation(user, bcUsers) : identityFromHeuristics(user)]),
    );
}

/**
 * One environment: disables BC users when asked (a disabled user cannot reconnect), cancels every matching
 * session, then lists once more to verify. Users' steps already done in an earlier attempt are not repeated.
 */
export async function applyInEnvironment(
    view: EnvironmentView,
    users: readonly DirectoryUser[],
    request: SignOutRequest,
    context: BcContext,
): Promise<EnvironmentPassResult> {
    const name = view.ref.name;
    const outcomes = new Map<string, SystemOutcome[]>();
    const identities = identitiesIn(view, users);
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

    const [cancelled, disabled] = await Promise.all([
        cancelSessions(view, cancelTargets, identities, request.dryRun, context),
        mapWithConcurrency(disableTargets, context.concurrency, (user) =>
            disableUser(view, user, identities.get(user.id), request, context).then(
                (value) => [user.id, value] as const,
            ),
        ),
    ]);
    const disabledOutcomes = new Map(disabled);
    const verified = await verifySessions(view, cancelled, identities, request.dryRun, context);

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

interface CancelTally {
    matched: BcSession[];
    counts: SessionCounts;
    error?: ServiceError;
}

async function cancelSessions(
    view: EnvironmentView,
    users: readonly DirectoryUser[],
    identities: Map<string, SessionIdentity>,
    dryRun: boolean,
    context: BcContext,
): Promise<Map<string, CancelTally>> {
    const tallies = new Map<string, CancelTally>();
    const work: { userId: string; session: BcSession }[] = [];
    for (const user of users) {
        const names = identities.get(user.id)?.names ?? [];
        const matched = view.sessions.filter((session) => sessionBelongsTo(session, names));
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
    tallies: Map<string, CancelTally>,
    identities: Map<string, SessionIdentity>,
    dryRun: boolean,
    context: BcContext,
): Promise<Map<string, SystemOutcome>> {
    const system = sessionsSystem(view.ref.name);
    const results = new Map<string, SystemOutcome>();
    const anyCancelled = [...tallies.values()].some((tally) => tally.matched.length > 0);
    let after: BcSession[] | ServiceError = [];
    if (!dryRun && anyCancelled) after = await context.bcAdmin.listSessions(view.ref).catch(asServiceError);
    for (const [userId, tally] of tallies) {
        const identity = identities.get(userId);
        const heuristic = identity?.heuristic ? { heuristic: true } : {};
        const at = context.now();
        if (dryRun) {
            results.set(userId, outcome(system, 'would-do', at, { counts: tally.counts, ...heuristic }));
            continue;
        }
        if (identity && identity.names.length === 0) {
            results.set(
                userId,
                outcome(system, 'skipped', at, {
                    code: 'no-bc-user',
                    detail: 'no BC user has this e-mail in the environment',
                    counts: tally.counts,
                }),
            );
            continue;
        }
        if (tally.error) {
            results.set(userId, { ...failedOutcome(system, tally.error, at), counts: tally.counts, ...heuristic });
            continue;
        }
        if (after instanceof ServiceError) {
            results.set(userId, {
                ...failedOutcome(system, after, at, 'sessions were cancelled but the check that they are gone failed'),
                counts: tally.counts,
                ...heuristic,
            });
            continue;
        }
        const remaining = after.filter((session) => sessionBelongsTo(session, identity?.names ?? []));
        const counts = { ...tally.counts, residual: remaining.length };
        results.set(
            userId,
            remaining.length > 0
                ? outcome(system, 'failed', at, {
                      code: 'sessions-remain',
                      detail: residualDetail(remaining, tally.matched),
                      counts,
                      ...heuristic,
                  })
                : outcome(system, 'succeeded', at, { counts, ...heuristic }),
        );
    }
    return results;
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
    identity: SessionIdentity | undefined,
    request: SignOutRequest,
    context: BcContext,
): Promise<SystemOutcome> {
    const system = userSystem(view.ref.name);
    const step = stepKey(system, user.id);
    if (view.bcUsers instanceof ServiceError)
        return failedOutcome(
            system,
            view.bcUsers,
            context.now(),
            'the Automation API is not available for this environment, so the BC user cannot be disabled',
        );
    const bcUser = identity?.bcUser;
    if (!bcUser)
        return outcome(system, 'skipped', context.now(), {
            code: 'no-bc-user',
            detail: 'no BC user has this e-mail in the environment',
        });
    const intent = context.journal.intentOf(step);
    let prior = String(intent?.prior ?? bcUser.state);
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
