import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { ROLES } from '../core/callers/roles';
import { authorize } from './http/authorize';
import { handleErrors } from './http/handleErrors';
import { readJsonBody } from './http/readJsonBody';
import { badRequest, forbidden } from './http/responses';
import { withTelemetry } from './telemetry/withTelemetry';

/** POST /api/signouts/preview: a dry run, answered synchronously within PREVIEW_DEADLINE_MS. */
export const previewSignOut = withTelemetry(async function previewSignOut(
    request: HttpRequest,
    _context: InvocationContext,
): Promise<HttpResponseInit> {
    const caller = authorize(request, ROLES.request);
    if (!caller.ok) return caller.response;
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const { previewRequest } = await import('../core/service/previewRequest');
    const outcome = await previewRequest(body.value, caller.caller, await services());
    if (outcome.kind === 'invalid') return badRequest(outcome.problems);
    if (outcome.kind === 'refused') return forbidden(outcome.refusal);
    return { status: 200, jsonBody: outcome.result };
});

app.http('previewSignOut', {
    route: 'signouts/preview',
    methods: ['POST'],
    authLevel: 'function',
    handler: handleErrors(previewSignOut),
});
