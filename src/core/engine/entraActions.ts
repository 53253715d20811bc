import type { HoldRecord } from '../ports/auditStore';
import type { Directory, DirectoryUser } from '../ports/directory';
import type { SignOutRequest } from '../request/signOutRequest';
import type { SystemOutcome } from '../result';
import { isGuest } from './guard';
import { failedOutcome, holdLabel, outcome } from './outcome';
import { stepKey, type StepJournal } from './stepJournal';

export const ENTRA_REVOKE = 'entra.revoke';
export const ENTRA_BLOCK = 'entra.block';
const GUEST_DETAIL =
    'guest (B2B) user: revoking sessions is not effective in this tenant; the home tenant controls sign-in';

export interface EntraContext {
    directory: Directory;
    journal: StepJournal;
    saveHold: (hold: HoldRecord) => Promise<void>;
    now: () => Date;
}

type Outcomes = Map<string, SystemOutcome[]>;

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
    const { journal } = context;
    const block = request.actions.blockSignIn;
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
                outcome(ENTRA_REVOKE, 'skipped', context.now(), { code: 'guest-not-effective', detail: GUEST_DETAIL }),
            );
        else toRevoke.push(user);
    }
    const toBlock: DirectoryUser[] = [];
    if (block.kind !== 'off') {
        for (const user of pending(ENTRA_BLOCK)) {
            const intent = journal.intentOf(stepKey(ENTRA_BLOCK, user.id));
            // Already blocked by someone else: not ours to change, nor to release later.
            if (!intent && user.accountEnabled === false)
                add(
                    outcomes,
                    user.id,
                    outcome(ENTRA_BLOCK, 'skipped', context.now(), {
                        detail: 'sign-in was already blocked; left as is',
                        prior: 'false',
                    }),
                );
            else toBlock.push(user);
        }
    }
    if (request.dryRun) {
        for (const user of toRevoke) add(outcomes, user.id, outcome(ENTRA_REVOKE, 'would-do', context.now()));
        for (const user of toBlock)
            add(
                outcomes,
                user.id,
                outcome(ENTRA_BLOCK, 'would-do', context.now(), { prior: String(user.accountEnabled) }),
            );
        return outcomes;
    }

    await journal.recordIntents(
        toBlock
            .filter((user) => !journal.intentOf(stepKey(ENTRA_BLOCK, user.id)))
            .map((user) => ({
                step: stepKey(ENTRA_BLOCK, user.id),
                user: user.id,
                data: { prior: String(user.accountEnabled ?? true) },
            })),
    );
    const none = new Map();
    const [revoked, blocked] = await Promise.all([
        toRevoke.length > 0 ? context.directory.revokeSignInSessions(toRevoke.map((user) => user.id)) : none,
        toBlock.length > 0
            ? context.directory.setAccountEnabled(
                  toBlock.map((user) => user.id),
                  false,
              )
            : none,
    ]);
    const recorded: { step: string; user: string; outcome: SystemOutcome }[] = [];
    for (const user of toRevoke) {
        const answer = revoked.get(user.id);
        const value =
            answer?.ok === true
                ? outcome(ENTRA_REVOKE, 'succeeded', context.now())
                : failedOutcome(ENTRA_REVOKE, answer!.error, context.now());
        recorded.push({ step: stepKey(ENTRA_REVOKE, user.id), user: user.id, outcome: value });
    }
    const holdUntil = holdLabel(block);
    for (const user of toBlock) {
        const answer = blocked.get(user.id);
        const prior = String(journal.intentOf(stepKey(ENTRA_BLOCK, user.id))?.prior ?? 'true');
        const value =
            answer?.ok === true
                ? outcome(ENTRA_BLOCK, 'succeeded', context.now(), { prior, ...(holdUntil && { holdUntil }) })
                : failedOutcome(
                      ENTRA_BLOCK,
                      answer!.error,
                      context.now(),
                      answer!.error.statusCode === 403
                          ? 'Graph refused (403): blocking an account that holds an admin role needs a higher-privileged directory role'
                          : undefined,
                  );
        recorded.push({ step: stepKey(ENTRA_BLOCK, user.id), user: user.id, outcome: value });
        if (value.status === 'succeeded' && block.kind === 'until')
            await context.saveHold({
                requestId: request.requestId,
                tenantId: request.tenantId,
                kind: 'entra-block',
                objectId: user.id,
                userPrincipalName: user.userPrincipalName,
                prior,
                setTo: 'false',
                changedAt: value.at,
                releaseAt: block.until,
            });
    }
    await journal.recordOutcomes(recorded);
    for (const { user, outcome: value } of recorded) add(outcomes, user, value);
    return outcomes;
}
