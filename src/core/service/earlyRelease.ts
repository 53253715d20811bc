import { tenantRefusal, type Refusal } from '../callers/admission';
import type { Caller } from '../ports/auditStore';
import type { HeldRef } from './holdIds';
import { callerName, settleHold } from './holdRelease';
import type { ServiceDependencies } from './serviceDependencies';
import { SWEEP_LEASE } from './sweep';

export type EarlyRelease =
    /** The hold ended: `released` restored the prior state, `left-as-is` did not and says why. */
    | { kind: 'released' | 'left-as-is' | 'watch-ended'; detail: string }
    | { kind: 'not-found' }
    /** The caller may not act in the tenant of the hold or watch (TENANT_CALLERS): nothing was ended. */
    | { kind: 'refused'; refusal: Refusal }
    /** The sweep (or another early release) is acting on holds and watches right now. */
    | { kind: 'busy' };

/** What a caller is told when nothing was ended, the same from every entry point. */
export const NOT_ENDED = {
    'not-found': {
        code: 'not-found',
        message: 'No hold or watch with this id is in force: it ended or was released already.',
        reason: 'names no hold or watch in force',
    },
    busy: { code: 'sweep-running', message: 'The sweep is acting on holds and watches right now; try again.' },
} as const;

/** Long enough for one release (a Graph or BC read and write); the sweep waits at most this long for it. */
export const EARLY_RELEASE_LEASE_IN_MS = 60_000;

/**
 * Ends a hold or a watch before its time, at an admin's request. A hold is released exactly as the sweep releases a
 * due one (`settleHold`: only what this service changed, never under another request's hold, never over someone
 * else's change); a watch simply stops, and only in a tenant the caller may act in. Both are recorded in the request's trail with who ended them. The sweep's
 * lease is taken meanwhile, so a sweep pass cannot release the same hold or write the watch back.
 */
export async function endEarly(
    ref: HeldRef,
    caller: Caller,
    leaseOwner: string,
    deps: ServiceDependencies,
): Promise<EarlyRelease> {
    const now = deps.now?.() ?? new Date();
    if (!(await deps.audit.tryAcquireLease(SWEEP_LEASE, leaseOwner, EARLY_RELEASE_LEASE_IN_MS, now)))
        return { kind: 'busy' };
    try {
        return ref.kind === 'watch'
            ? await endWatchEarly(ref, caller, deps)
            : await releaseHoldEarly(ref, caller, now, deps);
    } finally {
        await deps.audit.releaseLease(SWEEP_LEASE, leaseOwner);
    }
}

async function releaseHoldEarly(
    ref: Extract<HeldRef, { kind: 'hold' }>,
    caller: Caller,
    now: Date,
    deps: ServiceDependencies,
): Promise<EarlyRelease> {
    const environment = (ref.environment ?? '').toLowerCase();
    const hold = (await deps.audit.listHoldsFor(ref.objectId.toLowerCase())).find(
        (candidate) =>
            candidate.requestId === ref.requestId &&
            candidate.kind === ref.holdKind &&
            (candidate.environment ?? '').toLowerCase() === environment,
    );
    if (!hold) return { kind: 'not-found' };
    const refusal = tenantRefusal(hold.tenantId, caller, deps.settings.callers);
    if (refusal) return { kind: 'refused', refusal };
    const verdict = await settleHold(hold, now, now.getTime() + EARLY_RELEASE_LEASE_IN_MS, deps, caller);
    return { kind: verdict.released ? 'released' : 'left-as-is', detail: verdict.why };
}

async function endWatchEarly(
    ref: Extract<HeldRef, { kind: 'watch' }>,
    caller: Caller,
    deps: ServiceDependencies,
): Promise<EarlyRelease> {
    const objectId = ref.objectId.toLowerCase();
    const watch = (await deps.audit.listWatches()).find(
        (candidate) => candidate.requestId === ref.requestId && candidate.objectId.toLowerCase() === objectId,
    );
    if (!watch) return { kind: 'not-found' };
    const refusal = tenantRefusal(watch.tenantId, caller, deps.settings.callers);
    if (refusal) return { kind: 'refused', refusal };
    const detail = `watch ended early by ${callerName(caller)}; its window would have closed at ${watch.until}`;
    const trail = await deps.audit.openTrail(watch.requestId);
    await trail.append([{ type: 'watch-ended', user: watch.objectId, detail, data: { endedEarlyBy: caller } }]);
    await deps.audit.deleteWatch(watch.requestId, watch.objectId);
    return { kind: 'watch-ended', detail };
}
