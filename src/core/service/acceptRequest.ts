import { admissionRefusal, type Refusal } from '../callers/admission';
import { reserveCallerUsage, releaseCallerUsage } from './callerUsage';
import type { FieldProblem } from '../errors';
import type { Caller, RequestRecord, RequestSource } from '../ports/auditStore';
import { parseSignOutRequest, type ParsedRequest } from '../request/signOutRequest';
import { warmUp } from '../engine/discoverEnvironments';
import { requestAttributes } from './requestTelemetry';
import { dispatchRequest, shardCountOf } from './shards';
import { telemetryOf, type ServiceDependencies } from './serviceDependencies';

export type AcceptOutcome =
    | { kind: 'invalid'; problems: FieldProblem[] }
    | { kind: 'refused'; refusal: Refusal }
    | { kind: 'limited'; retryAfterInSeconds: number }
    | ClaimOutcome;

/** A new request, the same request again, or another request under a known id (which is never run). */
export type ClaimOutcome = { kind: 'accepted' | 'duplicate' | 'conflict'; record: RequestRecord };

/**
 * An HTTP request: validates, checks what the caller may ask for and how much, claims the request id once and
 * queues its work (a request of more than `SHARD_SIZE` users as shards, see `shards.ts`). A duplicate returns the existing request, and queues it again only while it is `accepted`
 * and its first enqueue is not known to have succeeded; that is harmless, work is leased.
 */
export async function acceptRequest(input: unknown, caller: Caller, deps: ServiceDependencies): Promise<AcceptOutcome> {
    const now = deps.now?.() ?? new Date();
    const parsed = parseSignOutRequest(input, deps.settings.policy, now);
    if (!parsed.ok) return { kind: 'invalid', problems: parsed.problems };
    const request = parsed.value;
    const refusal = admissionRefusal(request, caller, deps.settings.callers);
    if (refusal) return { kind: 'refused', refusal };
    const attributes = { requestId: request.requestId, tenantId: request.tenantId, source: 'http' as const };
    return telemetryOf(deps).span('signout.accept', attributes, async (span) => {
        const reservation = await reserveCallerUsage(request, caller, deps, now);
        if (!reservation.reserved) {
            span.set({ status: 'limited' });
            return { kind: 'limited', retryAfterInSeconds: reservation.retryAfterInSeconds };
        }
        const claimed = await claimRequest(parsed, caller, 'http', deps, now).catch(async (error: unknown) => {
            // Not accepted (the guard cannot be evaluated, storage failed): nothing counts against the caller.
            if (reservation.added) await releaseCallerUsage(request, caller, deps).catch(() => undefined);
            throw error;
        });
        span.set({ ...requestAttributes(claimed.record), status: claimed.kind });
        // Only new work counts against the caller: not the same request again, nor a refused conflict.
        if (claimed.kind !== 'accepted' && reservation.added) await releaseCallerUsage(request, caller, deps);
        if (claimed.kind === 'conflict') return claimed;
        if (claimed.kind === 'duplicate' && (claimed.record.state !== 'accepted' || claimed.record.enqueuedAt))
            return claimed;
        await dispatchRequest(claimed.record, deps);
        return claimed;
    });
}

/**
 * Claims the id with the request's content hash: one record, nothing else on the way to an answer (the first
 * attempt writes the `request-accepted` event and the user index, while it works). A known id
 * answers the existing record: the same request when the hashes agree (a record from before hashes were kept has
 * none, and counts as the same, as it did then), another request otherwise. Nothing is accepted while the tenant's
 * guard cannot be evaluated (a protected entry that does not resolve, or the directory unavailable past the set's
 * lifetime): the error says what to fix.
 */
export async function claimRequest(
    parsed: ParsedRequest,
    caller: Caller,
    source: RequestSource,
    deps: ServiceDependencies,
    now: Date,
): Promise<ClaimOutcome> {
    const request = parsed.value;
    const deadlineAt = now.getTime() + deps.settings.previewDeadlineInMs;
    const shardCount = shardCountOf(request.users.length, source, deps.settings.shardSize);
    // This process runs what it claims from the queue or the CLI (unless shards do): on a cold start, BC's first
    // listings are filled while the protected set is built, instead of after it.
    if (source !== 'http' && shardCount === undefined) {
        const { bcAdmin, bcAutomation } = deps.tenantServices(request.tenantId, deadlineAt);
        warmUp(bcAdmin, bcAutomation, request).catch(() => undefined);
    }
    await deps.protectedSets.get(request.tenantId, { waitUntil: deadlineAt });
    const outcome = await deps.audit.claimRequest({
        requestId: request.requestId,
        tenantId: request.tenantId,
        state: 'accepted',
        source,
        caller,
        request,
        requestSha256: parsed.contentSha256,
        reason: request.reason,
        ...(request.ticket && { ticketNumber: request.ticket.number }),
        userCount: request.users.length,
        createdAt: now.toISOString(),
        ...(shardCount !== undefined && { shardCount }),
    });
    if (!outcome.claimed) {
        const known = outcome.existing.requestSha256;
        const same = known === undefined || known === parsed.contentSha256;
        return { kind: same ? 'duplicate' : 'conflict', record: outcome.existing };
    }
    return { kind: 'accepted', record: outcome.record };
}

/** What a caller is told when its id is taken by another request. */
export function conflictMessage(requestId: string): string {
    return `Request id ${requestId} is already used by a different request; use another id, or send exactly the same request.`;
}
