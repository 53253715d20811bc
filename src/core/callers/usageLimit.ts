import type { Caller, UsageEntry } from '../ports/auditStore';

/** The per-caller limit counts the users a caller named over the last hour (CALLER_MAX_USERS_PER_HOUR). */
export const USAGE_WINDOW_MS = 3_600_000;

export type Reservation = { reserved: true; added: boolean } | { reserved: false; retryAfterInSeconds: number };

/** One counter per principal, whatever name it goes by in a given call. */
export function usageKeyOf(caller: Caller): string {
    return `${caller.kind}:${caller.objectId ?? caller.appId ?? caller.id}`.toLowerCase();
}

/**
 * Counts a request's users against the caller's last hour, or says when enough of that hour will have passed. A
 * request already counted (the same id posted again) is not counted twice; entries older than the window go.
 */
export function reserveUsers(
    entries: readonly UsageEntry[],
    wanted: { requestId: string; users: number; now: Date; limit: number },
): { entries: UsageEntry[]; result: Reservation } {
    const now = wanted.now.getTime();
    const recent = entries
        .filter((entry) => Date.parse(entry.at) > now - USAGE_WINDOW_MS)
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    if (recent.some((entry) => entry.requestId === wanted.requestId))
        return { entries: recent, result: { reserved: true, added: false } };
    let used = recent.reduce((sum, entry) => sum + entry.users, 0);
    if (used + wanted.users <= wanted.limit) {
        const entry = { requestId: wanted.requestId, users: wanted.users, at: wanted.now.toISOString() };
        return { entries: [...recent, entry], result: { reserved: true, added: true } };
    }
    // The oldest entries leave the window first: wait until enough of them have.
    let freeAt = now;
    for (const entry of recent) {
        used -= entry.users;
        freeAt = Date.parse(entry.at) + USAGE_WINDOW_MS;
        if (used + wanted.users <= wanted.limit) break;
    }
    return {
        entries: recent,
        result: { reserved: false, retryAfterInSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)) },
    };
}

/** Takes back a reservation for a request that was not accepted after all. */
export function releaseUsers(entries: readonly UsageEntry[], requestId: string): { entries: UsageEntry[] } {
    return { entries: entries.filter((entry) => entry.requestId !== requestId) };
}
