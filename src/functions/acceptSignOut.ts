import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { ROLES } from '../core/callers/roles';
import { requestLogAttributes } from '../core/service/requestTelemetry';
import { authorize } from './http/authorize';
import { handleErrors } from './http/handleErrors';
import { quoted } from '../core/logText';
import { readJsonBody } from './http/readJsonBody';
import { badRequest, errorResponse, forbidden } from './http/responses';
import { POLL_AFTER_SECONDS, statusUrlFor } from './http/statusUrl';
import type { InvocationLog } from './telemetry/invocationLog';
import { withTelemetry } from './telemetry/withTelemetry';

/** POST /api/signouts: validate, claim the request id, queue it; 202 with the status URL (async request-reply). */
export const acceptSignOut = withTelemetry(async function acceptSignOut(
    request: HttpRequest,
    _context: InvocationContext,
    log: InvocationLog,
): Promise<HttpResponseInit> {
    const caller = authorize(request, ROLES.request);
    if (!caller.ok) return caller.response;
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const { acceptRequest, conflictMessage } = await import('../core/service/acceptRequest');
    const outcome = await acceptRequest(body.value, caller.caller, await services());
    switch (outcome.kind) {
        case 'invalid':
            return badRequest(outcome.problems);
        case 'refused':
            return forbidden(outcome.refusal);
        case 'limited':
            return errorResponse(
                429,
                'caller-limit',
                'This caller named more users in the last hour than CALLER_MAX_USERS_PER_HOUR allows; try again later.',
                [],
                { 'Retry-After': String(outcome.retryAfterInSeconds) },
            );
        case 'conflict':
            return errorResponse(409, 'request-id-conflict', conflictMessage(outcome.record.requestId), [
                { field: 'requestId', reason: 'is already used by a different request' },
            ]);
    }
    const { requestId, state } = outcome.record;
    const statusUrl = statusUrlFor(request, requestId);
    log.info(
        outcome.kind === 'accepted' ? 'request-accepted' : 'request-duplicate',
        `sign-out ${quoted(requestId)} ${outcome.kind} (${state}) for caller ${quoted(caller.caller.id)}`,
        requestLogAttributes(outcome.record),
    );
    return {
        status: 202,
        headers: { Location: statusUrl, 'Retry-After': String(POLL_AFTER_SECONDS) },
        jsonBody: { requestId, status: state, statusUrl, duplicate: outcome.kind === 'duplicate' },
    };
});

app.http('acceptSignOut', {
    route: 'signouts',
    methods: ['POST'],
    authLevel: 'function',
    handler: handleErrors(acceptSignOut),
});
