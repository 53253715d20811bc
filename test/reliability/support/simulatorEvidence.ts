import type { RecordedCall, TenantSimulator } from '../../simulator';

/**
 * What the simulator saw, as evidence for the reliability suite: changes that really happened (2xx answers), not
 * what the app believes it did.
 */
const REVOKE = /^\/v1\.0\/users\/([^/]+)\/revokeSignInSessions$/;
const SESSION_DELETE = /\/environments\/([^/]+)\/sessions\/(\d+)$/;

const succeeded = (call: RecordedCall) => call.status >= 200 && call.status < 300;

function countBy(calls: readonly RecordedCall[], key: (call: RecordedCall) => string | undefined): Map<string, number> {
    const counts = new Map<string, number>();
    for (const call of calls) {
        const value = key(call);
        if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    return counts;
}

/** Successful revocations per user (object id, however the call named the user). */
export function successfulRevokes(calls: readonly RecordedCall[]): Map<string, number> {
    return countBy(
        calls.filter((call) => call.service === 'graph' && call.method === 'POST' && succeeded(call)),
        (call) => (REVOKE.test(call.path) ? (call.userId ?? REVOKE.exec(call.path)?.[1]?.toLowerCase()) : undefined),
    );
}

/** Successful session cancellations per `ENVIRONMENT/sessionId`. */
export function successfulSessionDeletes(calls: readonly RecordedCall[]): Map<string, number> {
    return countBy(
        calls.filter((call) => call.service === 'bc-admin' && call.method === 'DELETE' && succeeded(call)),
        (call) => {
            const match = SESSION_DELETE.exec(call.path);
            return match ? `${match[1]}/${match[2]}` : undefined;
        },
    );
}

/** Changes made more than once: every revocation or cancellation beyond the first of its user or session. */
export function duplicateChanges(calls: readonly RecordedCall[]): number {
    const extra = (counts: Map<string, number>) =>
        [...counts.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
    return extra(successfulRevokes(calls)) + extra(successfulSessionDeletes(calls));
}

/** Calls the fault injector touched (latency, status, throttle or drop). */
export function faultedCalls(calls: readonly RecordedCall[]): number {
    return calls.filter((call) => (call.faults?.length ?? 0) > 0).length;
}

/** Sessions of one BC user still present in an environment. */
export function sessionsLeft(simulator: TenantSimulator, environment: string, bcUserName: string): number {
    const env = simulator.state.environments.find((e) => e.name === environment);
    return env?.sessions.filter((session) => session.userId.toLowerCase() === bcUserName.toLowerCase()).length ?? 0;
}
