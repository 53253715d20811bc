import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { ROLES } from '../core/callers/roles';
import { ServiceError, TransientServiceError } from '../core/errors';
import { authorize } from './http/authorize';
import { handleErrors } from './http/handleErrors';
import { badRequest, errorResponse, forbidden } from './http/responses';

/**
 * GET /api/environments?tenantId=&applicationFamily=: the tenant's Business Central environments (name, type,
 * status), as the admin center lists them; the connector offers them as a dropdown.
 */
export async function listEnvironments(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
    const caller = authorize(request, ROLES.read);
    if (!caller.ok) return caller.response;
    const { listTenantEnvironments } = await import('../core/service/environmentList');
    const tenantId = request.query.get('tenantId')?.trim() || undefined;
    const applicationFamily = request.query.get('applicationFamily')?.trim() || undefined;
    let listing;
    try {
        listing = await listTenantEnvironments(
            { ...(tenantId && { tenantId }), ...(applicationFamily && { applicationFamily }) },
            caller.caller,
            await services(),
        );
    } catch (error) {
        // A refusal by the admin center is not ours to hide behind a 500: it names what the app lacks there.
        if (!(error instanceof ServiceError) || error instanceof TransientServiceError) throw error;
        return errorResponse(
            502,
            'bc-admin-refused',
            `The Business Central admin center answered ${error.statusCode ?? 'without a status'} ${error.code}; bc-signout doctor (or GET /api/doctor) says what to fix.`,
        );
    }
    if (listing.kind === 'invalid') return badRequest(listing.problems);
    if (listing.kind === 'refused') return forbidden(listing.refusal);
    return { status: 200, jsonBody: { value: listing.environments } };
}

app.http('listEnvironments', {
    route: 'environments',
    methods: ['GET'],
    authLevel: 'function',
    handler: handleErrors(listEnvironments),
});
