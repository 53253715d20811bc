import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { isPageToken } from '../clients/audit/pageToken';
import { ROLES } from '../core/callers/roles';
import type { FieldProblem } from '../core/errors';
import type { HistoryQuery } from '../core/ports/auditStore';
import { GUID_PATTERN, UPN_PATTERN } from '../core/request/patterns';
import { authorize } from './http/authorize';
import { handleErrors } from './http/handleErrors';
import { badRequest } from './http/responses';
import { withTelemetry } from './telemetry/withTelemetry';

const MAX_PAGE_SIZE = 100;

type HistoryParameters = { ok: true; user?: string; query: HistoryQuery } | { ok: false; problems: FieldProblem[] };

/** Reads and checks the query string; every problem is named, nothing reaches storage unchecked. */
export function parseHistoryParameters(params: URLSearchParams): HistoryParameters {
    const problems: FieldProblem[] = [];
    const user = params.get('user')?.trim() || undefined;
    if (user && !GUID_PATTERN.test(user) && !UPN_PATTERN.test(user))
        problems.push({ field: 'user', reason: 'must be a user principal name or an object id' });
    const date = (name: 'from' | 'to') => {
        const value = params.get(name);
        if (!value) return undefined;
        const parsed = new Date(value);
        if (Number.isNaN(parsed.getTime())) problems.push({ field: name, reason: 'must be an ISO 8601 date-time' });
        return parsed;
    };
    const from = date('from');
    const to = date('to');
    if (from && to && from > to) problems.push({ field: 'from', reason: 'must not be after to' });
    const continuationToken = params.get('continuationToken') || undefined;
    if (continuationToken && !isPageToken(continuationToken))
        problems.push({ field: 'continuationToken', reason: 'is not a token this API issued' });
    const pageSizeText = params.get('pageSize');
    const pageSize = pageSizeText ? Number(pageSizeText) : undefined;
    if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE))
        problems.push({ field: 'pageSize', reason: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` });
    if (problems.length > 0) return { ok: false, problems };
    return {
        ok: true,
        ...(user && { user }),
        query: {
            ...(from && { from }),
            ...(to && { to }),
            ...(continuationToken && { continuationToken }),
            ...(pageSize && { pageSize }),
        },
    };
}

/** GET /api/signouts?user=&from=&to=&continuationToken=&pageSize=: a user's history, or the most recent requests. */
export const listSignOuts = withTelemetry(async function listSignOuts(
    request: HttpRequest,
    _context: InvocationContext,
): Promise<HttpResponseInit> {
    const caller = authorize(request, ROLES.read);
    if (!caller.ok) return caller.response;
    const parsed = parseHistoryParameters(request.query);
    if (!parsed.ok) return badRequest(parsed.problems);
    const { audit } = await services();
    const page = parsed.user
        ? await audit.userHistory(parsed.user, parsed.query)
        : await audit.listRecent(parsed.query);
    return { status: 200, jsonBody: page };
});

app.http('listSignOuts', {
    route: 'signouts',
    methods: ['GET'],
    authLevel: 'function',
    handler: handleErrors(listSignOuts),
});
