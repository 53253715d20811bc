import type { FieldProblem } from '../errors';
import type { Caller, RequestRecord, RequestSource } from '../ports/auditStore';
import { parseSignOutRequest, type SignOutRequest } from '../request/signOutRequest';
import type { ServiceDependencies } from './serviceDependencies';

export type AcceptOutcome =
    | { kind: 'invalid'; problems: FieldProblem[] }
    | { kind: 'accepted'; record: RequestRecord }
    | { kind: 'duplicate'; record: RequestRecord };

/**
 * Validates, claims the request id once and queues a work item. A duplicate returns the existing request; one that
 * was claimed but never left `accepted` (its enqueue failed) is queued again, which is harmless: work is leased.
 */
export async function acceptRequest(
    input: unknown,
    caller: Caller,
    source: RequestSource,
    deps: ServiceDependencies,
): Promise<AcceptOutcome> {
    const now = deps.now?.() ?? new Date();
    const parsed = parseSignOutRequest(input, deps.settings.policy, now);
    if (!parsed.ok) return { kind: 'invalid', problems: parsed.problems };
    const claimed = await claimRequest(parsed.value, caller, source, deps, now);
    if (claimed.kind === 'duplicate' && claimed.record.state !== 'accepted') return claimed;
    await deps.queue.enqueue({ workItem: { requestId: parsed.value.requestId } });
    return claimed;
}

/**
 * Claims the id and writes the first audit event and the user index; a known id answers the existing record.
 * Nothing is accepted while the tenant's guard cannot be evaluated (a protected entry that does not resolve, or the
 * directory unavailable past the set's lifetime): the error says what to fix.
 */
export async function claimRequest(
    request: SignOutRequest,
    caller: Caller,
    source: RequestSource,
    deps: ServiceDependencies,
    now: Date,
): Promise<{ kind: 'accepted' | 'duplicate'; record: RequestRecord }> {
    await deps.protectedSets.get(request.tenantId, { waitUntil: now.getTime() + deps.settings.previewDeadlineInMs });
    const outcome = await deps.audit.claimRequest({
        requestId: request.requestId,
        tenantId: request.tenantId,
        state: 'accepted',
        source,
        caller,
        request,
        reason: request.reason,
        ...(request.ticket && { ticketNumber: request.ticket.number }),
        userCount: request.users.length,
        createdAt: now.toISOString(),
    });
    if (!outcome.claimed) return { kind: 'duplicate', record: outcome.existing };
    const trail = await deps.audit.openTrail(request.requestId);
    await trail.append([
        {
            type: 'request-accepted',
            status: 'accepted',
            detail: request.reason,
            data: {
                source,
                caller,
                requestedBy: request.requestedBy ?? null,
                ticket: request.ticket ?? null,
                users: request.users,
                environments: request.environments,
                actions: request.actions,
                dryRun: request.dryRun,
            },
        },
    ]);
    await deps.audit.indexUser(request.requestId, request.users, now.toISOString());
    return { kind: 'accepted', record: outcome.record };
}
