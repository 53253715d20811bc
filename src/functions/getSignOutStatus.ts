import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { ROLES } from '../core/callers/roles';
import { STORED_REQUEST_ID_PATTERN } from '../core/request/patterns';
import { FINAL_STATES } from '../core/result';
import { authorize } from './http/authorize';
import { handleErrors } from './http/handleErrors';
import { publicRecord } from '../core/service/publicRecord';
import { shardedProgress } from '../core/service/shards';
import { badRequest, errorResponse } from './http/responses';
import { POLL_AFTER_SECONDS, statusUrlFor } from './http/statusUrl';
import { withTelemetry } from './telemetry/withTelemetry';

/** GET /api/signouts/{requestId}: 202 while queued or running (Power Automate keeps polling), 200 when final. */
export const getSignOutStatus = withTelemetry(async function getSignOutStatus(
    request: HttpRequest,
    _context: InvocationContext,
): Promise<HttpResponseInit> {
    const caller = authorize(request, ROLES.read);
    if (!caller.ok) return caller.response;
    const requestId = request.params.requestId ?? '';
    if (!STORED_REQUEST_ID_PATTERN.test(requestId))
        return badRequest([{ field: 'requestId', reason: 'is not a request id' }]);
    const deps = await services();
    const record = await deps.audit.getRequest(requestId);
    if (!record)
        return errorResponse(404, 'not-found', `No sign-out request ${requestId}.`, [
            { field: 'requestId', reason: 'names no sign-out request' },
        ]);
    if (!FINAL_STATES.includes(record.state)) {
        const statusUrl = statusUrlFor(request, requestId);
        const progress = record.shardCount ? await shardedProgress(record, deps) : record.progress;
        return {
            status: 202,
            headers: { Location: statusUrl, 'Retry-After': String(POLL_AFTER_SECONDS) },
            jsonBody: {
                requestId,
                status: record.state,
                statusUrl,
                ...(progress && { progress }),
            },
        };
    }
    return { status: 200, jsonBody: publicRecord(record) };
});

app.http('getSignOutStatus', {
    route: 'signouts/{requestId}',
    methods: ['GET'],
    authLevel: 'function',
    handler: handleErrors(getSignOutStatus),
});
