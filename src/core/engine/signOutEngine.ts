import { chunk } from '../concurrency';
import type { AuditStore, WatchRecord } from '../ports/auditStore';
import { NO_TELEMETRY, type Telemetry } from '../ports/telemetry';
import type { BcAdmin, BcAutomation } from '../ports/businessCentral';
import type { Directory, DirectoryUser } from '../ports/directory';
import type { SignOutRequest } from '../request/signOutRequest';
import type { EnvironmentResult, OutcomeStatus, SignOutResult, SystemOutcome, UserResult } from '../result';
import { EnvironmentRun, sessionsSystem, userSystem, type EnvironmentPassResult } from './bcActions';
import { discoverEnvironments, type EnvironmentView } from './discoverEnvironments';
import { openSpan, type OpenSpan } from './engineSpans';
import { applyEntraActions, ENTRA_BLOCK, ENTRA_REVOKE } from './entraActions';
import { isGuest } from './guard';
import { identityInputs, resolveIdentities, type IdentitiesByEnvironment } from './identities';
import { namesOf, unmatchedSessionUsers, type SessionIdentity } from './matching';
import { failedOutcome, outcome } from './outcome';
import { watchIdentityOf } from './watchIdentity';
import type { ProtectedSet } from '../guard/protectedSet';
import { requestStatusOf } from './requestStatus';
import { residualRiskOf } from './residualRisk';
import { resolveUsers, REVOKED_BEFORE_GUARD, type ResolvedUser } from './resolveUsers';
import { stepKey, type StepJournal, type StepOutcome } from './stepJournal';
import { groupBy } from '../groupBy';

export type HoldStore = Pick<AuditStore, 'upsertWatches' | 'upsertHold' | 'listHoldsFor'>;

export interface EngineDependencies {
    directory: Directory;
    /** Everyone this tenant protects, resolved before the request runs (src/core/guard). */
    protectedSet: ProtectedSet;
    bcAdmin: BcAdmin;
    bcAutomation: BcAutomation;
    journal: StepJournal;
    /** Where watches and holds go; other requests' holds on a user are read so a new hold keeps their prior state. */
    holds: HoldStore;
    /** Told of each group of users as they are resolved (e.g. to index them while the work goes on). */
    onResolved?: (users: readonly DirectoryUser[]) => void;
    /** Spans of the phases: `engine.resolve` and `engine.entra` per group, `engine.environment` and `engine.verify`. */
    telemetry?: Telemetry;
    now?: () => Date;
}

export interface EngineSettings {
    accessTokenWindowMinutes: number;
}

/** Users per `$batch` (20 requests, platform-facts §1): 20 look-ups, or 10 users when each is looked up and revoked. */
const USERS_PER_BATCH = 20;
const USERS_PER_COMBINED_BATCH = 10;

/**
 * A forced sign-out, pipelined per group of users: each group is looked up (and, where the protected set clears the
 * name, revoked in the same `$batch`), guarded, blocked when asked, and handed at once to every environment, which
 * cancels its users' sessions while later groups still wait for Graph's quota. Environments are listed once, while
 * Graph works; each is listed once more to verify when every group is in. Watches and the journal are written in the
 * background and are stored before the result is returned.
 */
export async function runSignOut(
    request: SignOutRequest,
    deps: EngineDependencies,
    settings: EngineSettings,
): Promise<SignOutResult> {
    const now = deps.now ?? (() => new Date());
    const startedAt = now().toISOString();
    const actions = request.actions;
    const needBc = actions.cancelBcSessions || actions.disableBcUser.kind !== 'off';
    const bcContext = {
        bcAdmin: deps.bcAdmin,
        bcAutomation: deps.bcAutomation,
        journal: deps.journal,
        holds: deps.holds,
        now,
    };
    const telemetry = deps.telemetry ?? NO_TELEMETRY;
    const traced = { requestId: request.requestId, tenantId: request.tenantId };
    const environmentSpans: OpenSpan[] = [];
    const runs: Promise<EnvironmentRun[]> = needBc
        ? discoverEnvironments(deps.bcAdmin, deps.bcAutomation, {
              environments: request.environments,
              environmentTypes: request.environmentTypes,
              applicationFamily: request.applicationFamily,
              needBcUsers: true,
          }).then((views) =>
              views.map((view) => {
                  environmentSpans.push(
                      openSpan(telemetry, 'engine.environment', { ...traced, environment: view.ref.name }),
                  );
                  return new EnvironmentRun(view, request, bcContext);
              }),
          )
        : Promise.resolve([]);
    try {
        // Awaited by the first group that reaches BC; this only keeps a failure from being reported as unhandled meanwhile.
        runs.catch(() => undefined);
        // A resumed request first learns who was done from the journal, by object id: no revocation goes with a look-up.
        const combined = actions.revokeSessions && !request.dryRun && !deps.journal.resumed;
        const watchUntil =
            !request.dryRun && actions.cancelBcSessions && request.watchMinutes > 0
                ? new Date(Date.parse(startedAt) + request.watchMinutes * 60_000).toISOString()
                : undefined;
        const seen = new Map<string, string>();
        const background: Promise<unknown>[] = [];
        const revocationTimes: string[] = [];

        let eligibleUsers = 0;
        const groups = await Promise.all(
            chunk(request.users, combined ? USERS_PER_COMBINED_BATCH : USERS_PER_BATCH).map(async (references) => {
                const sentAt = now();
                const { resolved: found, revoked } = await telemetry.span(
                    'engine.resolve',
                    { ...traced, userCount: references.length },
                    async (span) => {
                        const found = await resolveUsers(references, deps.directory, deps.protectedSet, {
                            revokeWithLookUp: combined,
                            seen,
                        });
                        span.set({ itemCount: found.resolved.filter((entry) => entry.kind === 'eligible').length });
                        return found;
                    },
                );
                deps.onResolved?.(found.flatMap((entry) => ('user' in entry && entry.user ? [entry.user] : [])));
                const resolved = await recordRevokedBeforeGuard(found, deps.journal, now());
                const eligible = resolved.flatMap((entry) => (entry.kind === 'eligible' ? [entry.user] : []));
                eligibleUsers += eligible.length;
                const entra = await telemetry.span(
                    'engine.entra',
                    { ...traced, userCount: eligible.length },
                    async () => {
                        const outcomes = await applyEntraActions(
                            eligible,
                            request,
                            { directory: deps.directory, journal: deps.journal, holds: deps.holds, now },
                            { answers: revoked, sentAt },
                        );
                        const revokedIds = eligible
                            .filter((user) =>
                                outcomes
                                    .get(user.id)
                                    ?.some((o) => o.system === ENTRA_REVOKE && o.status === 'succeeded'),
                            )
                            .map((user) => user.id);
                        // When revocation took effect, as Entra records it; read while BC works, off the critical path.
                        if (revokedIds.length > 0 && !request.dryRun)
                            background.push(
                                deps.directory.getUsers(revokedIds).then((answers) => {
                                    for (const answer of answers.values())
                                        if (answer.ok && answer.value.signInSessionsValidFromDateTime)
                                            revocationTimes.push(answer.value.signInSessionsValidFromDateTime);
                                }),
                            );
                        return outcomes;
                    },
                );
                if (needBc && eligible.length > 0) {
                    const environments = await runs;
                    const identities = await telemetry.span(
                        'engine.resolve',
                        { ...traced, userCount: eligible.length },
                        () =>
                            resolveIdentities(
                                identityInputs(environments.map((run) => run.view)),
                                eligible,
                                deps.directory,
                            ),
                    );
                    if (watchUntil && watchedRuns(environments).length > 0)
                        background.push(
                            deps.holds.upsertWatches(
                                watchesOf(eligible, environments, identities, request, watchUntil),
                            ),
                        );
                    await Promise.all(
                        environments.map((run) => run.add(eligible, identities.get(run.name) ?? new Map())),
                    );
                }
                return { resolved, entra };
            }),
        );
        const environments = await runs;
        const passes = await Promise.all(
            environments.map((run) =>
                telemetry.span('engine.verify', { ...traced, environment: run.view.ref.name }, () => run.finish()),
            ),
        );
        await Promise.all(background);

        const resolved = groups.flatMap((group) => group.resolved);
        const entraOutcomes = new Map(groups.flatMap((group) => [...group.entra]));
        const views = environments.map((run) => run.view);
        // The other names a person was given as, by the reference processed.
        const duplicatesOf = groupBy(
            resolved.flatMap((entry) => (entry.kind === 'duplicate' ? [entry] : [])),
            (entry) => entry.of,
        );
        const users = resolved.flatMap((entry) =>
            userResult(entry, duplicatesOf, entraOutcomes, passes, views, request, now()),
        );
        const environmentResults = views.map((view, index) => environmentResult(view, passes[index]));
        environmentResults.forEach((result, index) =>
            environmentSpans[index]?.end({ status: result.status, userCount: eligibleUsers }),
        );
        const revokedAt = latestRevocation(revocationTimes, entraOutcomes);
        const eligible = resolved.flatMap((entry) => (entry.kind === 'eligible' ? [entry.user] : []));
        return {
            requestId: request.requestId,
            status: requestStatusOf(users),
            dryRun: request.dryRun,
            startedAt,
            finishedAt: now().toISOString(),
            users,
            environments: environmentResults,
            residualRisk: residualRiskOf({
                users,
                environments: environmentResults,
                accessTokenWindowMinutes: settings.accessTokenWindowMinutes,
                guests: eligible.filter(isGuest).map((user) => user.userPrincipalName),
                dryRun: request.dryRun,
                ...(revokedAt && { revokedAt }),
                ...(watchUntil &&
                    eligible.length > 0 &&
                    (watchedRuns(environments).length > 0 ? { watchUntil } : { watchNotKept: true })),
            }),
        };
    } finally {
        // A span still open here belongs to an attempt that stopped early: it ends, failed, whenever its listing does.
        void runs.then(
            () => environmentSpans.forEach((span) => span.end({ status: 'failed' })),
            () => undefined,
        );
    }
}

/**
 * The watches of a group: every environment that was listed, and every one that failed this pass (the sweep's next
 * listing retries its cancellations), each with the identity the request established there and why.
 */
/** The environments a watch covers: the active ones, and named ones that failed this time (the sweep tries again). */
function watchedRuns(environments: readonly EnvironmentRun[]): EnvironmentRun[] {
    return environments.filter(
        ({ view }) => view.state === 'active' || (view.state === 'failed' && view.ref.name !== '*'),
    );
}

function watchesOf(
    users: readonly DirectoryUser[],
    environments: readonly EnvironmentRun[],
    identities: IdentitiesByEnvironment,
    request: SignOutRequest,
    until: string,
): WatchRecord[] {
    const watched = watchedRuns(environments);
    return users.map((user) => ({
        requestId: request.requestId,
        tenantId: request.tenantId,
        objectId: user.id,
        userPrincipalName: user.userPrincipalName,
        mail: user.mail,
        identities: Object.fromEntries(
            watched.map((run) => [run.name, watchIdentityOf(identities.get(run.name)?.get(user.id))]),
        ),
        applicationFamily: request.applicationFamily,
        environments: watched.map((run) => run.name),
        until,
    }));
}

/** The systems a request asked for, so a refused user shows what was not done. */
function requestedSystems(request: SignOutRequest, views: readonly EnvironmentView[]): string[] {
    const systems: string[] = [];
    if (request.actions.revokeSessions) systems.push(ENTRA_REVOKE);
    if (request.actions.blockSignIn.kind !== 'off') systems.push(ENTRA_BLOCK);
    for (const view of views) {
        if (request.actions.cancelBcSessions) systems.push(sessionsSystem(view.ref.name));
        if (request.actions.disableBcUser.kind !== 'off') systems.push(userSystem(view.ref.name));
    }
    return systems;
}

/** A protected account whose sessions were revoked with its look-up, before the guard knew it (resolveUsers.ts). */
const revokedBeforeGuard = (at: string): SystemOutcome => ({
    system: ENTRA_REVOKE,
    status: 'succeeded',
    at,
    code: REVOKED_BEFORE_GUARD,
    detail: 'revoked with the look-up, before the guard knew the account by the name it was asked by',
});

/**
 * Journals the revocations a look-up made for accounts the guard then found protected, so the trail says what
 * happened; a resumed request, which looks up without revoking, learns of them from the journal.
 */
async function recordRevokedBeforeGuard(
    resolved: readonly ResolvedUser[],
    journal: StepJournal,
    at: Date,
): Promise<ResolvedUser[]> {
    const revoked: StepOutcome[] = [];
    const marked = resolved.map((entry): ResolvedUser => {
        if (entry.kind !== 'protected') return entry;
        const step = stepKey(ENTRA_REVOKE, entry.user.id);
        if (entry.revokedFirst) {
            revoked.push({ step, user: entry.user.id, outcome: revokedBeforeGuard(at.toISOString()) });
            return entry;
        }
        return journal.outcomeOf(step)?.code === REVOKED_BEFORE_GUARD ? { ...entry, revokedFirst: true } : entry;
    });
    if (revoked.length > 0) await journal.recordOutcomes(revoked);
    return marked;
}

function userResult(
    entry: ResolvedUser,
    duplicatesOf: ReadonlyMap<string, readonly ResolvedUser[]>,
    entraOutcomes: Map<string, SystemOutcome[]>,
    passes: readonly EnvironmentPassResult[],
    views: readonly EnvironmentView[],
    request: SignOutRequest,
    at: Date,
): UserResult[] {
    const refused = (status: OutcomeStatus, detail: string, extra: Partial<UserResult> = {}): UserResult[] => [
        {
            user: entry.reference,
            outcome: status === 'protected' ? 'protected' : 'not-found',
            detail,
            ...extra,
            systems: requestedSystems(request, views).map((system) => outcome(system, status, at)),
        },
    ];
    switch (entry.kind) {
        case 'duplicate':
            return [];
        case 'not-found':
            return refused('not-found', 'no such user in Entra ID; nothing was done');
        case 'failed':
            // Nothing was done, and every requested step says so (retryable when the failure was passing).
            return [
                {
                    user: entry.reference,
                    outcome: 'failed',
                    detail: `could not be resolved or guarded: ${entry.error.code}; nothing was done`,
                    ...(entry.user && identityFields(entry.user)),
                    systems: requestedSystems(request, views).map((system) => failedOutcome(system, entry.error, at)),
                },
            ];
        case 'protected': {
            if (!entry.revokedFirst)
                return refused(
                    'protected',
                    `protected: ${entry.reason}; nothing was changed`,
                    identityFields(entry.user),
                );
            return refused(
                'protected',
                `protected: ${entry.reason}; but its sign-in sessions were revoked with the look-up, before the guard knew it by this name (renamed since the protected set was built); nothing else was changed`,
                identityFields(entry.user),
            ).map((user) => ({
                ...user,
                systems: user.systems.map((system) =>
                    system.system === ENTRA_REVOKE ? revokedBeforeGuard(system.at) : system,
                ),
            }));
        }
        case 'eligible': {
            const user = entry.user;
            const aliases = (duplicatesOf.get(entry.reference) ?? []).map((other) => other.reference);
            const bcUserNames = Object.fromEntries(
                passes.flatMap((pass, index) => {
                    const identity: SessionIdentity | undefined = pass.identities.get(user.id);
                    return identity?.kind === 'mapped' ? [[views[index]!.ref.name, identity.bcUser.userName]] : [];
                }),
            );
            return [
                {
                    user: entry.reference,
                    outcome: 'processed',
                    ...identityFields(user),
                    ...(Object.keys(bcUserNames).length > 0 && { bcUserNames }),
                    ...(aliases.length > 0 && { detail: `also named as ${aliases.join(', ')}` }),
                    systems: [
                        ...(entraOutcomes.get(user.id) ?? []),
                        ...passes.flatMap((pass) => pass.outcomes.get(user.id) ?? []),
                    ],
                },
            ];
        }
    }
}

function identityFields(user: DirectoryUser): Partial<UserResult> {
    return {
        objectId: user.id,
        userPrincipalName: user.userPrincipalName,
        ...(user.userType && { userType: user.userType }),
    };
}

/** How many unmatched session users an environment result names; the count is always complete. */
const MAX_LISTED_SESSION_USERS = 100;

function environmentResult(view: EnvironmentView, pass: EnvironmentPassResult | undefined): EnvironmentResult {
    switch (view.state) {
        case 'active': {
            const names = [...(pass?.identities.values() ?? [])].flatMap((identity) => namesOf(identity));
            const unmatched = unmatchedSessionUsers(view.index, names);
            return {
                name: view.ref.name,
                ...stepsSummary(pass),
                unmatchedSessionUsers: unmatched.length,
                ...(unmatched.length > 0 && {
                    unmatchedSessionUserNames: unmatched.slice(0, MAX_LISTED_SESSION_USERS),
                }),
            };
        }
        case 'inactive':
            return {
                name: view.ref.name,
                status: 'skipped',
                code: 'environment-not-active',
                detail: `status ${view.serviceStatus}`,
            };
        default:
            return {
                name: view.ref.name,
                status: 'failed',
                code: view.error?.code ?? 'environment-unavailable',
                ...(view.error && { detail: view.error.message }),
            };
    }
}

/**
 * An environment's status agrees with its users' steps there: `succeeded` only when none failed, `failed` when
 * every step that ran failed, `partial` otherwise, with the codes of the failures.
 */
function stepsSummary(pass: EnvironmentPassResult | undefined): Pick<EnvironmentResult, 'status' | 'code' | 'detail'> {
    const steps = [...(pass?.outcomes.values() ?? [])].flat();
    const failed = steps.filter((step) => step.status === 'failed');
    if (failed.length === 0) return { status: 'succeeded' };
    const codes = [...new Set(failed.map((step) => step.code ?? 'failed'))];
    const acted = steps.some((step) => step.status === 'succeeded' || step.status === 'would-do');
    return {
        status: acted ? 'partial' : 'failed',
        code: codes.join(','),
        detail: `${failed.length} of ${steps.length} user step(s) failed here (${codes.join(', ')})`,
    };
}

function latestRevocation(reread: readonly string[], entraOutcomes: Map<string, SystemOutcome[]>): string | undefined {
    const times = [...reread];
    if (times.length === 0)
        for (const outcomes of entraOutcomes.values())
            for (const o of outcomes) if (o.system === ENTRA_REVOKE && o.status === 'succeeded') times.push(o.at);
    return times.sort().at(-1);
}
