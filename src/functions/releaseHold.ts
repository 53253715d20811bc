import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { ROLES } from '../core/callers/roles';
import { parseHeldId } from '../core/service/holdIds';
import { authorize } from './http/authorize';
import { handleErrors } from './http/handleErrors';
import { badRequest, errorResponse } from './http/responses';

const SWEEP_BUSY_RETRY_AFTER_SECONDS = 30;

/**
 * POST /api/holds/{id}/release: ends a hold or watch early. A hold is released as the sweep releases a due one
 * (only what this service changed); the answer and the request's audit trail say what was done and by whom.
 */
export async function releaseHold(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const caller = authorize(request, ROLES.block);
    if (!caller.ok) return caller.response;
    const id = request.params.id ?? '';
    const ref = parseHeldId(id);
    if (!ref) return badRequest([{ field: 'id', reason: 'is not the id of a hold or watch (GET /api/holds)' }]);
    const { endEarly, NOT_ENDED } = await import('../core/service/earlyRelease');
    const outcome = await endEarly(ref, caller.caller, `release:${context.invocationId}`, await services());
    if (outcome.kind === 'not-found') {
        const { code, message, reason } = NOT_ENDED['not-found'];
        return errorResponse(404, code, message, [{ field: 'id', reason }]);
    }
    if (outcome.kind === 'refused') {
        const { code, field, message } = outcome.refusal;
        return errorResponse(403, code, message, [{ field, reason: 'is a tenant this caller may not act in' }]);
    }
    if (outcome.kind === 'busy')
        return errorResponse(503, NOT_ENDED.busy.code, NOT_ENDED.busy.message, [], {
            'Retry-After': String(SWEEP_BUSY_RETRY_AFTER_SECONDS),
        });
    return { status: 200, jsonBody: { id, outcome: outcome.kind, detail: outcome.detail } };
}

app.http('releaseHold', {
    route: 'holds/{id}/release',
    methods: ['POST'],
    authLevel: 'function',
    handler: handleErrors(releaseHold),
});
