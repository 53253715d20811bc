import { releaseUsers, reserveUsers, usageKeyOf, USAGE_WINDOW_MS } from '../../../src/core/callers/usageLimit';
import type { UsageEntry } from '../../../src/core/ports/auditStore';

const NOW = new Date('2026-05-01T12:00:00.000Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
const entry = (requestId: string, users: number, minutesAgo: number): UsageEntry => ({
    requestId,
    users,
    at: ago(minutesAgo),
});

describe('reserveUsers', () => {
    const wanted = (requestId: string, users: number) => ({ requestId, users, now: NOW, limit: 10 });

    it('counts a request within the limit, and the same request only once', () => {
        const first = reserveUsers([entry('a', 4, 30)], wanted('b', 6));
        expect(first.result).toEqual({ reserved: true, added: true });
        const again = reserveUsers(first.entries, wanted('b', 6));
        expect(again).toEqual({ entries: first.entries, result: { reserved: true, added: false } });
    });

    it('refuses past the limit, saying when enough of the hour will have passed', () => {
        const entries = [entry('old', 3, 50), entry('mid', 4, 20), entry('new', 3, 5)];
        // 10 used: 3 must leave for 3 more; the oldest leaves in 10 minutes.
        expect(reserveUsers(entries, wanted('x', 3)).result).toEqual({ reserved: false, retryAfterInSeconds: 600 });
        // 7 more: both older entries must leave, the second in 40 minutes.
        expect(reserveUsers(entries, wanted('y', 7)).result).toEqual({ reserved: false, retryAfterInSeconds: 2400 });
    });

    it('forgets entries older than the window', () => {
        const stale = { requestId: 'stale', users: 10, at: new Date(NOW.getTime() - USAGE_WINDOW_MS).toISOString() };
        const outcome = reserveUsers([stale], wanted('fresh', 10));
        expect(outcome.result).toEqual({ reserved: true, added: true });
        expect(outcome.entries.map((e) => e.requestId)).toEqual(['fresh']);
    });

    it('takes a reservation back', () => {
        expect(releaseUsers([entry('a', 1, 1), entry('b', 2, 1)], 'a').entries.map((e) => e.requestId)).toEqual(['b']);
    });
});

describe('usageKeyOf', () => {
    it('counts one principal under one key, by object id before app id', () => {
        const oid = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
        expect(usageKeyOf({ kind: 'app-service-auth', id: oid, objectId: oid.toUpperCase(), verified: true })).toBe(
            `app-service-auth:${oid}`,
        );
        expect(usageKeyOf({ kind: 'function-key', id: 'unauthenticated', verified: false })).toBe(
            'function-key:unauthenticated',
        );
    });
});
