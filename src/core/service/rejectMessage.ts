import { createHash } from 'node:crypto';
import type { FieldProblem } from '../errors';
import type { Caller, RequestRecord } from '../ports/auditStore';
import { countFinished } from './requestTelemetry';
import { telemetryOf, type ServiceDependencies } from './serviceDependencies';

/** Longest excerpt of a refused message kept in the audit; the rest is represented by its hash. */
const EXCERPT_LENGTH = 512;

/**
 * A queue message that is not a valid request becomes an audit record `rejected` (or `dead-lettered` for the poison
 * report), keyed by the message's hash so a redelivered copy does not make a second record. `data.code`, when
 * given (e.g. `request-id-conflict`), is the record's `stateDetail`. The record is final from its claim, so its
 * first event seals it (a copy of a message whose record was never sealed seals it then).
 */
export async function recordRefusedMessage(
    text: string,
    problems: FieldProblem[],
    state: 'rejected' | 'dead-lettered',
    caller: Caller,
    deps: ServiceDependencies,
    data: { code?: string } & Record<string, unknown> = {},
): Promise<RequestRecord> {
    const digest = createHash('sha256').update(text).digest('hex');
    const requestId = `${state}-${digest.slice(0, 32)}`;
    const now = (deps.now?.() ?? new Date()).toISOString();
    const outcome = await deps.audit.claimRequest({
        requestId,
        tenantId: deps.settings.policy.defaultTenantId,
        state,
        source: 'queue',
        caller,
        userCount: 0,
        createdAt: now,
        problems,
        ...(data.code !== undefined && { stateDetail: data.code }),
    });
    await deps.audit.sealRecord(requestId, {
        events: [
            {
                type: state === 'rejected' ? 'request-rejected' : 'dead-lettered',
                status: state,
                detail: problems.map((p) => `${p.field}: ${p.reason}`).join('; '),
                data: { ...data, messageSha256: digest, excerpt: text.slice(0, EXCERPT_LENGTH), length: text.length },
            },
        ],
    });
    if (!outcome.claimed) return outcome.existing;
    // Once per message: a copy delivered again finds its record and is not counted twice.
    countFinished(telemetryOf(deps), state, 'queue');
    return outcome.record;
}
