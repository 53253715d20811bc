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
    now: () => Date;
}

export interface EnvironmentPassResult {
    outcomes: Map<string, SystemOutcome[]>;
    identities: Map<string, SessionIdentity>;
}

/**
 * One environment of a request, fed user by user: each user's BC user is disabled when asked (a disabled user cannot
 * reconnect) and their sessions cancelled as soon as they are handed over (after their revocation); once every user
 * is in, the environment is listed once more to verify. Calls are bounded by the environment's own limit (in the
 * adapter), not here. Steps done in an earlier attempt are not repeated. A user whose identity is not certain here
 * (several BC users, sessions under names no BC user maps to them, an Automation API that failed) has nothing done
 * in this environment, and the outcome says why.
 */
export class EnvironmentRun {
    private readonly outcomes = new Map<string, SystemOutcome[]>();
    private readonly identities = new Map<string, SessionIdentity>();
    private readonly tallies = new Map<string, CancelTally>();
    /** Users whose sessions are cancelled in this run (not already done by an earlier attempt). */
    private readonly cancelTargets: DirectoryUser[] = [];

    constructor(
        readonly view: EnvironmentView,
        private readonly request: SignOutRequest,
        private readonly context: BcContext,
    ) {}

    get name(): string {
        return this.view.ref.name;
    }

    /** Starts and awaits this group's cancellations and disables; the verification waits for `finish`. */
    async add(users: readonly DirectoryUser[], identities: ReadonlyMap<string, SessionIdentity>): Promise<void> {
        const { request, context, view } = this;
        const name = view.ref.name;
        for (const user of users) this.identities.set(user.id, identities.get(user.id) ?? { kind: 'none' });
        if (view.state !== 'active') {
            for (const user of users) {
                if (request.actions.cancelBcSessions)
                    this.add1(user.id, environmentOutcome(sessionsSystem(name), view, context.now()));
                if (request.actions.disableBcUser.kind !== 'off')
                    this.add1(user.id, environmentOutcome(userSystem(name), view, context.now()));
            }
            return;
        }
        const cancelTargets = request.actions.cancelBcSessions ? this.notDone(users, sessionsSystem(name)) : [];
        const disableTargets =
            request.actions.disableBcUser.kind !== 'off' ? this.notDone(users, userSystem(name)) : [];
        this.cancelTargets.push(...cancelTargets);
        await Promise.all([
            this.cancel(cancelTargets),
            Promise.all(
                disableTargets.map(async (user) => {
                    const value = await disableUser(view, user, this.identityOf(user), request, context);
                    if (!request.dryRun)
                        await context.journal.recordOutcomes([
                            { step: stepKey(userSystem(name), user.id), user: user.id, outcome: value },
                        ]);
                    this.add1(user.id, value);
                }),
            ),
        ]);
    }

    /** Lists the environment once more for everyone's verification, and answers each user's outcomes here. */
    async finish(): Promise<EnvironmentPassResult> {
        const name = this.view.ref.name;
        if (this.view.state === 'active' && this.cancelTargets.length > 0) {
            const verified = await verifySessions(
                this.view,
                this.cancelTargets,
                this.tallies,
                (user) => this.identityOf(user),
                this.request.dryRun,
                this.context,
            );
            const recorded = this.cancelTargets.flatMap((user) => {
                const value = verified.get(user.id);
                return value ? [{ step: stepKey(sessionsSystem(name), user.id), user: user.id, outcome: value }] : [];
            });
            if (!this.request.dryRun) await this.context.journal.recordOutcomes(recorded);
            for (const { user, outcome: value } of recorded) this.add1(user, value);
        }
        return { outcomes: this.outcomes, identities: this.identities };
    }

    private identityOf(user: DirectoryUser): SessionIdentity {
        return this.identities.get(user.id) ?? { kind: 'none' };
    }

    private add1(userId: string, value: SystemOutcome): void {
        this.outcomes.set(userId, [...(this.outcomes.get(userId) ?? []), value]);
    }

    private notDone(users: readonly DirectoryUser[], system: string): DirectoryUser[] {
        return users.filter((user) => {
            const done = this.context.journal.outcomeOf(stepKey(system, user.id));
            if (done) this.add1(user.id, done);
            return !done;
        });
    }

    private async cancel(users: readonly DirectoryUser[]): Promise<void> {
        const { view, context } = this;
        const work: Promise<void>[] = [];
        for (const user of users) {
            const matched = sessionsNamed(view.index, namesOf(this.identityOf(user)));
            const tally: CancelTally = {
                matched,
                counts: { found: matched.length, cancelled: 0, alreadyGone: 0, residual: 0 },
            };
            this.tallies.set(user.id, tally);
            if (this.request.dryRun) continue;
            for (const session of matched)
                work.push(
                    context.bcAdmin.deleteSession(view.ref, session.sessionId).then(
                        (result) => {
                            if (result === 'cancelled') tally.counts.cancelled++;
                            else tally.counts.alreadyGone++;
                        },
                        (error: unknown) => {
                            tally.error ??= asServiceError(error);
                        },
                    ),
                );
        }
        await Promise.all(work);
    }
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
