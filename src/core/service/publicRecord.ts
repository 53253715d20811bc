import type { RequestRecord } from '../ports/auditStore';
import type { SignOutRequest } from '../request/signOutRequest';

/**
 * A callback URL's query often holds its signature (Power Automate's `sig`): it is a secret, so what is shown has
 * the URL without its query. The worker calls back with the URL as accepted.
 */
export function withoutCallbackSecrets(request: SignOutRequest): SignOutRequest {
    if (!request.callbackUrl) return request;
    const url = new URL(request.callbackUrl);
    return { ...request, callbackUrl: `${url.origin}${url.pathname}${url.search || url.hash ? '?…' : ''}` };
}

/** The record as it may be shown (HTTP answers, the CLI, the export): the operational record is never shown whole. */
export function displayRecord(record: RequestRecord): RequestRecord {
    return record.request ? { ...record, request: withoutCallbackSecrets(record.request) } : record;
}

/** What the status endpoint shows of a record. */
export function publicRecord(record: RequestRecord) {
    const shown = displayRecord(record);
    return {
        requestId: shown.requestId,
        status: shown.state,
        source: shown.source,
        caller: shown.caller,
        createdAt: shown.createdAt,
        updatedAt: shown.updatedAt,
        attempts: shown.attempts,
        ...(shown.shardCount && { shards: shown.shardCount }),
        ...(shown.parentRequestId && { shardOf: shown.parentRequestId }),
        ...(shown.request && { request: shown.request }),
        ...(shown.result && { result: shown.result }),
        ...(shown.problems && { problems: shown.problems }),
    };
}
