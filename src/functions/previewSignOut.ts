import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { appConfig } from '../config';
import { callerOf } from './http/caller';
import { handleErrors } from './http/handleErrors';
import { readJsonBody } from './http/readJsonBody';
import { badRequest } from './http/responses';

/** POST /api/signouts/preview: a dry run, answered synchronously within PREVIEW_DEADLINE_MS. */
export async function previewSignOut(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
    const caller = callerOf(request, appConfig().allowedCallerIds);
    if (!caller.ok) return caller.response;
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const { previewRequest } = await import('../core/service/previewRequest');
    const outcome = await previewRequest(body.value, await services());
    if (outcome.kind === 'invalid') return badRequest(outcome.problems);
    return { status: 200, jsonBody: outcome.result };
}

app.http('previewSignOut', {
    route: 'signouts/preview',
    methods: ['POST'],
    authLevel: 'function',
    handler: handleErrors(previewSignOut),
});
