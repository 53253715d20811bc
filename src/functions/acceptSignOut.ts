import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { appConfig } from '../config';
import { callerOf } from './http/caller';
import { handleErrors } from './http/handleErrors';
import { readJsonBody } from './http/readJsonBody';
import { badRequest } from './http/responses';
import { POLL_AFTER_SECONDS, statusUrlFor } from './http/statusUrl';

/** POST /api/signouts: validate, claim the request id, queue it; 202 with the status URL (async request-reply). */
export async function acceptSignOut(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const caller = callerOf(request, appConfig().allowedCallerIds);
    if (!caller.ok) return caller.response;
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const { acceptRequest } = await import('../core/service/acceptRequest');
    const outcome = await acceptRequest(body.value, caller.caller, 'http', await services());
    if (outcome.kind === 'invalid') return badRequest(outcome.problems);
    const { requestId, state } = outcome.record;
    const statusUrl = statusUrlFor(request, requestId);
    context.log(`sign-out ${requestId} ${outcome.kind} (${state}) for caller ${caller.caller.id}`);
    return {
        status: 202,
        headers: { Location: statusUrl, 'Retry-After': String(POLL_AFTER_SECONDS) },
        jsonBody: { requestId, status: state, statusUrl, duplicate: outcome.kind === 'duplicate' },
    };
}

app.http('acceptSignOut', {
    route: 'signouts',
    methods: ['POST'],
    authLevel: 'function',
    handler: handleErrors(acceptSignOut),
});
