import type { ServiceName } from './callLog';
import { jsonResponse, type SimResponse } from './http';
import { newRequestId } from './random';

/** Graph dates in `innerError` carry no zone (doc examples `2025-02-13T10:17:05`). */
const graphErrorDate = () => new Date().toISOString().slice(0, 19);

const retryAfterHeader = (seconds: number | undefined): Record<string, string> =>
    seconds === undefined ? {} : { 'Retry-After': String(seconds) };

/** Graph's error shape (platform-facts §1, doc `graph-error-example.json`). */
export function graphError(
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
): SimResponse {
    const requestId = newRequestId();
    const innerError = { date: graphErrorDate(), 'request-id': requestId, 'client-request-id': requestId };
    return jsonResponse(status, { error: { code, message, innerError } }, { 'request-id': requestId, ...headers });
}

/** Graph's 429 as in the throttling doc sample: `innerError.code` and `status` are strings. */
export function graphThrottled(retryAfterSeconds: number): SimResponse {
    const requestId = newRequestId();
    return jsonResponse(
        429,
        {
            error: {
                code: 'TooManyRequests',
                message: 'Please retry again later.',
                innerError: {
                    code: '429',
                    date: graphErrorDate(),
                    message: 'Please retry after',
                    'request-id': requestId,
                    status: '429',
                },
            },
        },
        { 'request-id': requestId, ...retryAfterHeader(retryAfterSeconds) },
    );
}

/** Admin Center API error shape `{code, message, target?}` (platform-facts §2, `bc-admin-error.shape.json`). */
export function bcAdminError(
    status: number,
    code: string,
    message: string,
    target?: string,
    headers: Record<string, string> = {},
): SimResponse {
    return jsonResponse(status, target === undefined ? { code, message } : { code, message, target }, headers);
}

/** BC OData error shape; BC appends a correlation id to its messages. */
export function odataError(
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
): SimResponse {
    return jsonResponse(
        status,
        { error: { code, message: `${message}  CorrelationId:  ${newRequestId()}.` } },
        headers,
    );
}

/** Entra token endpoint error: the AADSTS code leads the description and is repeated in `error_codes`. */
export function identityError(status: number, error: string, aadsts: number, description: string): SimResponse {
    const traceId = newRequestId();
    const correlationId = newRequestId();
    const timestamp = new Date()
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
    return jsonResponse(status, {
        error,
        error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [aadsts],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
    });
}

const GRAPH_CODES: Record<number, string> = {
    400: 'BadRequest',
    401: 'InvalidAuthenticationToken',
    403: 'Authorization_RequestDenied',
    404: 'Request_ResourceNotFound',
    409: 'Conflict',
    500: 'generalException',
    502: 'badGateway',
    503: 'serviceNotAvailable',
    504: 'gatewayTimeout',
};

const BC_CODES: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    409: 'Conflict',
    500: 'Unknown',
    502: 'BadGateway',
    503: 'ServiceUnavailable',
    504: 'GatewayTimeout',
};

/** An injected failure in the shape of the service it pretends to come from. */
export function faultResponse(service: ServiceName, status: number, retryAfterSeconds?: number): SimResponse {
    const headers = retryAfterHeader(retryAfterSeconds);
    const message = `Injected fault: ${status}.`;
    switch (service) {
        case 'graph':
            return status === 429
                ? graphThrottled(retryAfterSeconds ?? 1)
                : graphError(status, GRAPH_CODES[status] ?? 'generalException', message, headers);
        case 'bc-admin':
            return bcAdminError(
                status,
                status === 429 ? 'TooManyRequests' : (BC_CODES[status] ?? 'Unknown'),
                message,
                undefined,
                headers,
            );
        case 'bc-automation':
            return odataError(
                status,
                status === 429 ? 'TooManyRequests' : (BC_CODES[status] ?? 'Unknown'),
                message,
                headers,
            );
        case 'identity': {
            const response = identityError(
                status,
                'temporarily_unavailable',
                90033,
                'A transient error has occurred. Please try again.',
            );
            return { ...response, headers };
        }
    }
}
