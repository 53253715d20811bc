import type { Directory, DirectoryUser, ItemResult } from '../ports/directory';
import type { SignOutRequest } from '../request/signOutRequest';
import type { SystemOutcome } from '../result';
import { isGuest } from './guard';
import { holdInForce, releaseAtOf } from './holds';
import { failedOutcome, holdLabel, outcome } from './outcome';
import type { HoldStore } from './signOutEngine';
import { stepKey, type StepJournal } from './stepJournal';

export const ENTRA_REVOKE = 'entra.revoke';
export const ENTRA_BLOCK = 'entra.block';
const GUEST_DETAIL =
    'guest (B2B) user: revoking sessions is not effective in this tenant; the home tenant controls sign-in';
const ADMIN_DENIED =
    'Graph refused (403): blocking an account that holds an admin role needs a higher-privileged directory role';

export interface EntraContext {
    directory: Directory;
    journal: StepJournal;
    holds: HoldStore;
    now: () => Date;
}

type Outcomes = Map<string, SystemOutcome[]>;
type Recorded = { step: string; user: string; outcome: SystemOutcome };

/** A block to apply: `patch` false when sign-in is already blocked under another request's hold, which this one extends. */
interface BlockPlan {
    user: DirectoryUser;
    prior: string;
    patch: boolean;
    heldBy?: string;
}

function add(outcomes: Outcomes, userId: string, value: SystemOutcome): void {
    outcomes.set(userId, [...(outcomes.get(userId) ?? []), value]);
}

/**
 * Revokes sign-in sessions and, when asked, blocks sign-in, in one round of batches. The prior `accountEnabled` is
 * journalled before the change, so a release restores only what this service changed.
 */
export async function applyEntraActions(
    users: readonly DirectoryUser[],
    request: SignOutRequest,
    context: EntraContext,
): Promise<Outcomes> {
    const outcomes: Outcomes = new Map();
    const { journal, now } = context;
    const pending = (system: string) =>
        users.filter((user) => {
            const done = journal.outcomeOf(stepKey(system, user.id));
            if (done) add(outcomes, user.id, done);
            return !done;
        });

    const toRevoke: DirectoryUser[] = [];
    for (const user of request.actions.revokeSessions ? pending(ENTRA_REVOKE) : []) {
        // Graph answers success for a guest but revokes nothing (platform-facts §1): say so instead of "done".
        if (isGuest(user))
            add(
                outcomes,
                user.id,
                outcome(ENTRA_REVOKE, 'skipped', now(), { code: 'guest-not-effective', detail: GUEST_DETAIL }),
            );
        else toRevoke.push(user);
    }
    const plans =
        request.actions.blockSignIn.kind === 'off'
            ? []
            : await planBlocks(pending(ENTRA_BLOCK), request, context, outcomes);

    if (request.dryRun) {
        for (const user of toRevoke) add(outcomes, user.id, outcome(ENTRA_REVOKE, 'would-do', now()));
        for (const plan of plans)
            add(outcomes, plan.user.id, outcome(ENTRA_BLOCK, 'would-do', now(), { prior: plan.prior }));
        return outcomes;
    }

    await journal.recordIntents(
        plans
            .filter((plan) => !journal.intentOf(stepKey(ENTRA_BLOCK, plan.user.id)))
            .map((plan) => ({
                step: stepKey(ENTRA_BLOCK, plan.user.id),
                user: plan.user.id,
                data: { prior: plan.prior, patch: plan.patch },
            })),
    );
    const patched = plans.filter((plan) => plan.patch).map((plan) => plan.user.id);
    const none = new Map<string, ItemResult<true>>();
    const [revoked, blocked] = await Promise.all([
        toRevoke.length > 0 ? context.directory.revokeSignInSessions(toRevoke.map((user) => user.id)) : none,
        patched.length > 0 ? context.directory.setAccountEnabled(patched, false) : none,
    ]);
    const recorded: Recorded[] = toRevoke.map((user) => {
        const answer = revoked.get(user.id);
        const value = answer?.ok
            ? outcome(ENTRA_REVOKE, 'succeeded', now())
            : failedOutcome(ENTRA_REVOKE, answer!.error, now());
        return { step: stepKey(ENTRA_REVOKE, user.id), user: user.id, outcome: value };
    });
    for (const plan of plans)
        recorded.push(await finishBlock(plan, plan.patch ? blocked.get(plan.user.id) : undefined, request, context));
    await journal.recordOutcomes(recorded);
    for (const { user, outcome: value } of recorded) add(outcomes, user, value);
    return outcomes;
}

/**
 * Who to block and what their sign-in was before this service touched it. An account blocked by someone else is
 * left alone; one blocked under another request's hold keeps that hold's prior, so the last release restores it.
 */
async function planBlocks(
    users: readonly DirectoryUser[],
    request: SignOutRequest,
    context: EntraContext,
    outcomes: Outcomes,
): Promise<BlockPlan[]> {
    const plans: BlockPlan[] = [];
    for (const user of users) {
        const intent = context.journal.intentOf(stepKey(ENTRA_BLOCK, user.id));
        if (intent) plans.push({ user, prior: String(intent.prior), patch: intent.patch !== false });
        else if (user.accountEnabled !== false)
            // Not reported (null) is unknown, never assumed enabled: a release then leaves the account as it is.
            plans.push({ user, prior: user.accountEnabled === null ? 'unknown' : 'true', patch: true });
        else {
            const held = holdInForce(
                await context.holds.listHoldsFor(user.id),
                'entra-block',
                undefined,
                context.now(),
                request.requestId,
            );
            if (held) plans.push({ user, prior: held.prior, patch: false, heldBy: held.requestId });
            else
                add(
                    outcomes,
                    user.id,
                    outcome(ENTRA_BLOCK, 'skipped', context.now(), {
                        detail: 'sign-in was already blocked; left as is',
                        prior: 'false',
                    }),
                );
        }
    }
    return plans;
}

async function finishBlock(
    plan: BlockPlan,
    answer: ItemResult<true> | undefined,
    request: SignOutRequest,
    context: EntraContext,
): Promise<Recorded> {
    const hold = request.actions.blockSignIn;
    const step = stepKey(ENTRA_BLOCK, plan.user.id);
    if (answer && !answer.ok)
        return {
            step,
            user: plan.user.id,
            outcome: failedOutcome(
                ENTRA_BLOCK,
                answer.error,
                context.now(),
                answer.error.statusCode === 403 ? ADMIN_DENIED : undefined,
            ),
        };
    const holdUntil = holdLabel(hold);
    const value = outcome(ENTRA_BLOCK, 'succeeded', context.now(), {
        prior: plan.prior,
        ...(holdUntil && { holdUntil }),
        ...(plan.heldBy && {
            detail: `already blocked under request ${plan.heldBy}; this request's hold now applies too`,
        }),
    });
    const releaseAt = releaseAtOf(hold);
    if (releaseAt)
        await context.holds.upsertHold({
            requestId: request.requestId,
            tenantId: request.tenantId,
            kind: 'entra-block',
            objectId: plan.user.id,
            userPrincipalName: plan.user.userPrincipalName,
            prior: plan.prior,
            setTo: 'false',
            changedAt: value.at,
            releaseAt,
        });
    return { step, user: plan.user.id, outcome: value };
}
