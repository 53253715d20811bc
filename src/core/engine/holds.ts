import { PERMANENT_RELEASE_AT, type HoldKind, type HoldRecord } from '../ports/auditStore';
import type { HoldSpec } from '../request/signOutRequest';

/** When a hold ends, as stored: its time, or far in the future for a permanent one. */
export function releaseAtOf(hold: HoldSpec): string | undefined {
    if (hold.kind === 'until') return hold.until;
    return hold.kind === 'permanent' ? PERMANENT_RELEASE_AT : undefined;
}

/**
 * Another request's hold still in force on the same thing (user, kind, environment). A new request over it keeps
 * that hold's prior state; a release under it leaves the state alone.
 */
export function holdInForce(
    holds: readonly HoldRecord[],
    kind: HoldKind,
    environment: string | undefined,
    now: Date,
    exceptRequestId?: string,
): HoldRecord | undefined {
    return holds
        .filter(
            (hold) =>
                hold.kind === kind &&
                (hold.environment ?? '') === (environment ?? '') &&
                hold.requestId !== exceptRequestId,
        )
        .filter((hold) => Date.parse(hold.releaseAt) > now.getTime())
        .sort((a, b) => Date.parse(b.releaseAt) - Date.parse(a.releaseAt))[0];
}
