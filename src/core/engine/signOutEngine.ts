import { mapWithConcurrency } from '../concurrency';
import type { AuditStore } from '../ports/auditStore';
import type { BcAdmin, BcAutomation } from '../ports/businessCentral';
import type { Directory, DirectoryUser } from '../ports/directory';
import type { SignOutRequest } from '../request/signOutRequest';
import type { EnvironmentResult, OutcomeStatus, SignOutResult, SystemOutcome, UserResult } from '../result';
import { applyInEnvironment, sessionsSystem, userSystem, type EnvironmentPassResult } from './bcActions';
import { discoverEnvironments, type EnvironmentView } from './discoverEnvironments';
import { applyEntraActions, ENTRA_BLOCK, ENTRA_REVOKE } from './entraActions';
import { isGuest } from './guard';
import { resolveIdentities, identityInputs } from './identities';
import { namesOf, unmatchedSessionUsers, type SessionIdentity } from './matching';
import { failedOutcome, outcome } from './outcome';
import { watchIdentityOf } from './watchIdentity';
import type { ProtectedSet } from '../guard/protectedSet';
import { requestStatusOf } from './requestStatus';
import { residualRiskOf } from './residualRisk';
import { resolveUsers, type ResolvedUser } from './resolveUsers';
import type { StepJournal } from './stepJournal';

/** Watch rows written at once; Table Storage takes many more, but a request need not hog the account. */
const WATCH_WRITES_IN_FLIGHT = 8;

export type HoldStore = Pick<AuditStore, 'upsertWatch' | 'upsertHold' | 'listHoldsFor'>;

export interface EngineDependencies {
    directory: Directory;
    /** Everyone this tenant protects, resolved before the request runs (src/core/guard). */
    protectedSet: ProtectedSet;
    bcAdmin: BcAdmin;
    bcAutomation: BcAutomation;
    journal: StepJournal;
    /** Where watches and holds go; other requests' holds on a user are read so a new hold keeps their prior state. */
    holds: HoldStore;
    now?: () => Date;
}

export interface EngineSettings {
    accessTokenWindowMinutes: number;
    bcConcurrency: number;
}

/**
 * A forced sign-out, in order: resolve and guard every user, revoke (and block) in Entra, then per environment
 * disable BC users and cancel and verify their sessions; hand the users to the sweep and say what remains.
 * Environments and their sessions are listed while Entra works, once per environment for all users.
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

    // Environments and sessions are discovered while Entra is resolved and acted on: BC waits for them only when
    // its turn comes, after revocation.
    const discovery = needBc
        ? discoverEnvironments(deps.bcAdmin, deps.bcAutomation, {
              environments: request.environments,
              environmentTypes: request.environmentTypes,
              applicationFamily: request.applicationFamily,
              needBcUsers: true,
              concurrency: settings.bcConcurrency,
          })
        : Promise.resolve([]);
    // Awaited below; this only keeps a failure from being reported as unhandled while Entra is still working.
    discovery.catch(() => undefined);
    const resolved = await resolveUsers(request.users, deps.directory, deps.protectedSet);
    const eligible = resolved.flatMap((entry) => (entry.kind === 'eligible' ? [entry.user] : []));

    const entraOutcomes = await applyEntraActions(eligible, request, {
        directory: deps.directory,
        journal: deps.journal,
        holds: deps.holds,
        now,
    });
    const views = await discovery;
    const identities = await resolveIdentities(identityInputs(views), eligible, deps.directory);
    const revokedAny = [...entraOutcomes.values()]
        .flat()
        .some((o) => o.system === ENTRA_REVOKE && o.status === 'succeeded');
    const [passes, reread] = await Promise.all([
        mapWithConcurrency(views, settings.bcConcurrency, (view) =>
            applyInEnvironment(view, eligible, identities.get(view.ref.name) ?? new Map(), request, {
                bcAdmin: deps.bcAdmin,
                bcAutomation: deps.bcAutomation,
                journal: deps.journal,
                holds: deps.holds,
                concurrency: settings.bcConcurrency,
                now,
            }),
        ),
        // When revocation took effect, as Entra records it; read while BC works, off the critical path.
        revokedAny && !request.dryRun ? deps.directory.getUsers(eligible.map((user) => user.id)) : undefined,
    ]);

    const watchUntil =
        !request.dryRun && actions.cancelBcSessions && request.watchMinutes > 0 && eligible.length > 0
            ? new Date(Date.parse(startedAt) + request.watchMinutes * 60_000).toISOString()
            : undefined;
    if (watchUntil) await saveWatches(eligible, views, passes, request, watchUntil, deps.holds);

    const users = resolved.flatMap((entry) =>
        userResult(entry, resolved, entraOutcomes, passes, views, request, now()),
    );
    const environments = views.map((view, index) => environmentResult(view, passes[index]));
    const revokedAt = latestRevocation(reread, entraOutcomes);
    return {
        requestId: request.requestId,
        status: requestStatusOf(users),
        dryRun: request.dryRun,
        startedAt,
        finishedAt: now().toISOString(),
        users,
        environments,
        residualRisk: residualRiskOf({
            users,
            environments,
            accessTokenWindowMinutes: settings.accessTokenWindowMinutes,
            guests: eligible.filter(isGuest).map((user) => user.userPrincipalName),
            dryRun: request.dryRun,
            ...(revokedAt && { revokedAt }),
            ...(watchUntil && { watchUntil }),
        }),
    };
}

async function saveWatches(
    users: readonly DirectoryUser[],
    views: readonly EnvironmentView[],
    passes: readonly EnvironmentPassResult[],
    request: SignOutRequest,
    until: string,
    holds: HoldStore,
): Promise<void> {
    // An environment that failed this pass is watched too: the sweep's next listing retries its cancellations.
    const active = views
        .map((view, index) => ({ view, pass: passes[index] }))
        .filter(({ view }) => view.state === 'active' || (view.state === 'failed' && view.ref.name !== '*'));
    // Bounded like the other storage fan-outs: a bulk request writes one watch per user.
    await mapWithConcurrency(users, WATCH_WRITES_IN_FLIGHT, async (user) => {
        await holds.upsertWatch({
            requestId: request.requestId,
            tenantId: request.tenantId,
            objectId: user.id,
            userPrincipalName: user.userPrincipalName,
            mail: user.mail,
            identities: Object.fromEntries(
                active.map(({ view, pass }) => [view.ref.name, watchIdentityOf(pass?.identities.get(user.id))]),
            ),
            applicationFamily: request.applicationFamily,
            environments: active.map(({ view }) => view.ref.name),
            until,
        });
    });
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

function userResult(
    entry: ResolvedUser,
    all: readonly ResolvedUser[],
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
        case 'protected':
            return refused('protected', `protected: ${entry.reason}; nothing was changed`, identityFields(entry.user));
        case 'eligible': {
            const user = entry.user;
            const aliases = all
                .filter((other) => other.kind === 'duplicate' && other.of === entry.reference)
                .map((other) => other.reference);
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

function latestRevocation(
    reread: Awaited<ReturnType<Directory['getUsers']>> | undefined,
    entraOutcomes: Map<string, SystemOutcome[]>,
): string | undefined {
    const times: string[] = [];
    for (const answer of reread?.values() ?? [])
        if (answer.ok && answer.value.signInSessionsValidFromDateTime)
            times.push(answer.value.signInSessionsValidFromDateTime);
    if (times.length === 0)
        for (const outcomes of entraOutcomes.values())
            for (const o of outcomes) if (o.system === ENTRA_REVOKE && o.status === 'succeeded') times.push(o.at);
    return times.sort().at(-1);
}
