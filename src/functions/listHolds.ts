import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { ROLES } from '../core/callers/roles';
import { authorize } from './http/authorize';
import { handleErrors } from './http/handleErrors';

/**
 * GET /api/holds: who is blocked, has a disabled BC user or is watched, by whose request, until when. Each entry's
 * id is what `POST /api/holds/{id}/release` takes.
 */
export async function listHolds(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
    const caller = authorize(request, ROLES.read);
    if (!caller.ok) return caller.response;
    const { listActiveHolds } = await import('../core/service/activeHolds');
    return { status: 200, jsonBody: { value: await listActiveHolds(await services()) } };
}

app.http('listHolds', {
    route: 'holds',
    methods: ['GET'],
    authLevel: 'function',
    handler: handleErrors(listHolds),
});
