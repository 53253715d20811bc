import type { RequestRecord } from '../ports/auditStore';
import type { SignOutRequest } from '../request/signOutRequest';

/**
 * A callback URL's query often holds its signature (Power Automate's `sig`): it is a secret, so answers show the
 * URL without its query.
 */
export function withoutCallbackSecrets(request: SignOutRequest): SignOutRequest {
    if (!request.callbackUrl) return request;
    const url = new URL(request.callbackUrl);
    return { ...request, callbackUrl: `${url.origin}${url.pathname}${url.search ? '?…' : ''}` };
}

/** What the status endpoint shows of a record. */
export function publicRecord(record: RequestRecord) {
    return {
        requestId: record.requestId,
        status: record.state,
        source: record.source,
        caller: record.caller,
        createdAt: record.createdAt,
        updatedAt: record.updatedAt,
        attempts: record.attempts,
        ...(record.request && { request: withoutCallbackSecrets(record.request) }),
        ...(record.result && { result: record.result }),
        ...(record.problems && { problems: record.problems }),
    };
}
