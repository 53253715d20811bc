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
    const { endEarly } = await import('../core/service/earlyRelease');
    const outcome = await endEarly(ref, caller.caller, `release:${context.invocationId}`, await services());
    switch (outcome.kind) {
        case 'not-found':
            return errorResponse(404, 'not-found', 'No hold or watch with this id is in force.', [
                { field: 'id', reason: 'names no hold or watch in force: it ended or was released already' },
            ]);
        case 'busy':
            return errorResponse(
                503,
                'sweep-running',
                'The sweep is acting on holds and watches right now; try again.',
                [],
                { 'Retry-After': String(SWEEP_BUSY_RETRY_AFTER_SECONDS) },
            );
        default:
            return { status: 200, jsonBody: { id, outcome: outcome.kind, detail: outcome.detail } };
    }
}

app.http('releaseHold', {
    route: 'holds/{id}/release',
    methods: ['POST'],
    authLevel: 'function',
    handler: handleErrors(releaseHold),
});
