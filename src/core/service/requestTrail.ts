import type { AuditEventInput, AuditTrail, RequestRecord } from '../ports/auditStore';
import type { SignOutRequest } from '../request/signOutRequest';
import type { SignOutResult } from '../result';
import { countFinished, sessionsCancelled } from './requestTelemetry';
import { telemetryOf, type ServiceDependencies } from './serviceDependencies';

/** How a request's trail opens and closes: what was accepted, and the result sealed with its callback. */

/** The first event of a request's trail: who asked, why, and exactly what, as the claim recorded it. */
export function acceptedEvent(record: RequestRecord): AuditEventInput {
    const request = record.request;
    return {
        type: 'request-accepted',
        status: 'accepted',
        data: {
            acceptedAt: record.createdAt,
            source: record.source,
            caller: record.caller,
            reason: record.reason ?? null,
            requestedBy: request?.requestedBy ?? null,
            ticket: request?.ticket ?? null,
            users: request?.users ?? [],
            environments: request?.environments ?? null,
            ...(request?.environmentTypes && { environmentTypes: request.environmentTypes }),
            actions: request?.actions ?? null,
            dryRun: request?.dryRun ?? false,
            requestSha256: record.requestSha256 ?? null,
            ...(record.parentRequestId && { shardOf: record.parentRequestId }),
            ...(record.shardCount && { shards: record.shardCount }),
        },
    };
}

/**
 * Writes the result, sealed by its closing events on the attempt's own trail (already loaded: no second read). The
 * callback is bounded by the attempt's deadline, so its outcome is written before the host's time-out.
 */
export async function finishRequest(
    request: SignOutRequest,
    result: SignOutResult,
    attempt: { owner: string; deadlineAt: number },
    trail: AuditTrail,
    deps: ServiceDependencies,
): Promise<RequestRecord> {
    const requestId = request.requestId;
    const finished = {
        type: 'request-finished',
        status: result.status,
        data: {
            users: result.users.map((user) => ({
                user: user.user,
                outcome: user.outcome,
                systems: user.systems.map((s) => `${s.system}=${s.status}`),
            })),
            residualRisk: result.residualRisk,
        },
    };
    const record = await deps.audit.finishRequest(requestId, attempt.owner, result, { trail, events: [finished] });
    // A request counts once, sharded or not: its shards' sessions, and not the shards themselves.
    const telemetry = telemetryOf(deps);
    if (!record.parentRequestId) countFinished(telemetry, record.state, record.source);
    if (!record.shardCount) telemetry.count('signout.sessions.cancelled', sessionsCancelled(result));
    if (request.callbackUrl) {
        const delivery = await deps.callbacks.send(
            request.callbackUrl,
            { requestId, status: result.status, result },
            { deadlineAt: attempt.deadlineAt },
        );
        await trail.append([
            delivery.delivered
                ? { type: 'callback-delivered', status: String(delivery.status), data: { attempts: delivery.attempts } }
                : { type: 'callback-failed', detail: delivery.reason, data: { attempts: delivery.attempts } },
        ]);
    }
    return record;
}
