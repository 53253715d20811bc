import { admissionRefusal, type Refusal } from '../callers/admission';
import { ROLES } from '../callers/roles';
import { runSignOut, type HoldStore } from '../engine/signOutEngine';
import type { StepJournal } from '../engine/stepJournal';
import type { FieldProblem } from '../errors';
import type { Caller } from '../ports/auditStore';
import { parseSignOutRequest } from '../request/signOutRequest';
import type { SignOutResult } from '../result';
import { telemetryOf, type ServiceDependencies } from './serviceDependencies';

export type PreviewOutcome =
    | { kind: 'invalid'; problems: FieldProblem[] }
    | { kind: 'refused'; refusal: Refusal }
    | { kind: 'previewed'; result: SignOutResult };

/** A dry run remembers nothing and writes nothing. */
const NO_JOURNAL: StepJournal = {
    outcomeOf: () => undefined,
    intentOf: () => undefined,
    recordIntents: async () => undefined,
    recordOutcomes: async () => undefined,
    note: async () => undefined,
    flush: async () => undefined,
    resumed: false,
};

/** A preview saves no watch or hold, and reads none: it shows what this request alone would do. */
const NO_HOLDS: HoldStore = {
    upsertWatches: async () => undefined,
    upsertHold: async () => undefined,
    listHoldsFor: async () => [],
};

/**
 * Resolves and discovers everything a sign-out would touch, synchronously and within the preview deadline, without
 * changing anything or claiming the request id. Who else has sessions is for readers of the audit (SignOut.Read):
 * other callers see how many, not who.
 */
export async function previewRequest(
    input: unknown,
    caller: Caller,
    deps: ServiceDependencies,
): Promise<PreviewOutcome> {
    const now = deps.now?.() ?? new Date();
    const parsed = parseSignOutRequest(input, deps.settings.policy, now);
    if (!parsed.ok) return { kind: 'invalid', problems: parsed.problems };
    const request = { ...parsed.value, dryRun: true };
    const refusal = admissionRefusal(request, caller, deps.settings.callers);
    if (refusal) return { kind: 'refused', refusal };
    const deadlineAt = now.getTime() + deps.settings.previewDeadlineInMs;
    const attributes = {
        requestId: request.requestId,
        tenantId: request.tenantId,
        userCount: request.users.length,
        dryRun: true,
    };
    const result = await telemetryOf(deps).span('signout.preview', attributes, async (span) => {
        const protectedSet = await deps.protectedSets.get(request.tenantId, { waitUntil: deadlineAt });
        const previewed = await runSignOut(
            request,
            {
                ...deps.tenantServices(request.tenantId, deadlineAt),
                protectedSet,
                journal: NO_JOURNAL,
                holds: NO_HOLDS,
                telemetry: telemetryOf(deps),
                ...(deps.now && { now: deps.now }),
            },
            deps.settings.engine,
        );
        span.set({ status: previewed.status });
        return previewed;
    });
    const mayReadOthers = caller.roles === undefined || caller.roles.includes(ROLES.read);
    return { kind: 'previewed', result: mayReadOthers ? result : withoutOtherUsersNames(result) };
}

function withoutOtherUsersNames(result: SignOutResult): SignOutResult {
    return {
        ...result,
        environments: result.environments.map(({ unmatchedSessionUserNames: _names, ...environment }) => environment),
    };
}
