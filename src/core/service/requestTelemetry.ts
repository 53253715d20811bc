import type { RequestRecord, RequestSource } from '../ports/auditStore';
import type { LogAttributes, SpanAttributes, Telemetry } from '../ports/telemetry';
import type { RequestState, SignOutResult } from '../result';

/** What a span or log record says about a request: who it is for, never whom it names. */
export function requestAttributes(record: RequestRecord): SpanAttributes {
    return {
        requestId: record.requestId,
        tenantId: record.tenantId,
        source: record.source,
        userCount: record.userCount,
        status: record.state,
    };
}

/** What a log record says about a request: its span attributes, and who asked for it. */
export function requestLogAttributes(record: RequestRecord): LogAttributes {
    return {
        ...requestAttributes(record),
        callerId: record.caller.id,
        ...(record.caller.name !== undefined && { callerName: record.caller.name }),
    };
}

/** A request reached a final state: `signout.requests`, and `signout.dead_lettered` when it was dead-lettered. */
export function countFinished(telemetry: Telemetry, state: RequestState, source: RequestSource): void {
    telemetry.count('signout.requests', 1, { status: state, source });
    if (state === 'dead-lettered') telemetry.count('signout.dead_lettered', 1);
}

/** Sessions a result cancelled, from its counts; a dry run cancels none. */
export function sessionsCancelled(result: SignOutResult): number {
    if (result.dryRun) return 0;
    return result.users
        .flatMap((user) => user.systems)
        .reduce((total, system) => total + (system.counts?.cancelled ?? 0), 0);
}

/**
 * The steps a result could not do, by system and the service's code (`bc.UAT.sessions http-503 ×2`), with no user:
 * the first thing to read when a request ended `partial` or `failed`.
 */
export function failedSteps(result: SignOutResult | undefined): string[] {
    const counts = new Map<string, number>();
    for (const system of result?.users.flatMap((user) => user.systems) ?? [])
        if (system.status === 'failed') {
            const step = `${system.system} ${system.code ?? 'failed'}`;
            counts.set(step, (counts.get(step) ?? 0) + 1);
        }
    // A skipped environment (not active) is not a failure; a partial one has its failed steps above.
    for (const environment of result?.environments ?? [])
        if (environment.status === 'failed')
            counts.set(`environment ${environment.name} ${environment.code ?? 'failed'}`, 1);
    return [...counts].map(([step, count]) => (count > 1 ? `${step} ×${count}` : step));
}
