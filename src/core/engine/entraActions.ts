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

/** Revocations made with the users' look-up, by object id, and when they were sent. */
export interface RevokedWithLookUp {
    answers: ReadonlyMap<string, ItemResult<true>>;
    sentAt: Date;
}

/**
 * Revokes sign-in sessions and, when asked, blocks sign-in, in one round of batches. The prior `accountEnabled` is
 * journalled before the change, so a release restores only what this service changed. Revocations already made
 * with the users' look-up are recorded, not sent again. A revocation whose answer was lost is never sent twice: its
 * sending time is journalled, and the next attempt reads Entra's `signInSessionsValidFromDateTime` to know.
 */
export async function applyEntraActions(
    users: readonly DirectoryUser[],
    request: SignOutRequest,
    context: EntraContext,
    withLookUp: RevokedWithLookUp = { answers: new Map(), sentAt: new Date(0) },
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
    const verified = new Map(toRevoke.flatMap((user) => revocationSeen(user, journal)));
    const toSend = toRevoke.filter((user) => !withLookUp.answers.has(user.id) && !verified.has(user.id));
    const sentAt = now();
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
        toSend.length > 0 ? context.directory.revokeSignInSessions(toSend.map((user) => user.id)) : none,
        patched.length > 0 ? context.directory.setAccountEnabled(patched, false) : none,
    ]);
    const lost: { step: string; user: string; data: Record<string, unknown> }[] = [];
    const recorded: Recorded[] = toRevoke.map((user) => {
        const step = stepKey(ENTRA_REVOKE, user.id);
        const seen = verified.get(user.id);
        if (seen) return { step, user: user.id, outcome: seen };
        const answer = withLookUp.answers.get(user.id) ?? revoked.get(user.id);
        if (answer && !answer.ok && answer.error.code === ANSWER_LOST) {
            const when = (withLookUp.answers.has(user.id) ? withLookUp.sentAt : sentAt).toISOString();
            lost.push({ step, user: user.id, data: { sentAt: when } });
        }
        const value = answer?.ok
            ? outcome(ENTRA_REVOKE, 'succeeded', now())
            : failedOutcome(ENTRA_REVOKE, answer!.error, now());
        return { step, user: user.id, outcome: value };
    });
    await journal.recordIntents(lost);
    for (const plan of plans)
        recorded.push(await finishBlock(plan, plan.patch ? blocked.get(plan.user.id) : undefined, request, context));
    await journal.recordOutcomes(recorded);
    for (const { user, outcome: value } of recorded) add(outcomes, user, value);
    return outcomes;
}

/** The code of a write whose answer was lost: it may have happened (src/clients/graph/graphBatch.ts). */
const ANSWER_LOST = 'answer-lost';

/**
 * A revocation sent by an earlier attempt whose answer was lost: done when Entra's sessions-valid-from time is at or
 * after the second it was sent (Graph sets it to the time of the revocation, in whole seconds, platform-facts §1).
 */
function revocationSeen(user: DirectoryUser, journal: StepJournal): [string, SystemOutcome][] {
    const sentAt = journal.intentOf(stepKey(ENTRA_REVOKE, user.id))?.sentAt;
    const validFrom = user.signInSessionsValidFromDateTime;
    if (typeof sentAt !== 'string' || !validFrom) return [];
    if (Date.parse(validFrom) < Math.floor(Date.parse(sentAt) / 1000) * 1000) return [];
    return [
        [
            user.id,
            outcome(ENTRA_REVOKE, 'succeeded', new Date(validFrom), {
                detail: `the answer to the revocation was lost; Entra shows sessions valid only from ${validFrom}, after it was sent`,
            }),
        ],
    ];
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
