import type { HttpResponseInit } from '@azure/functions';
import type { Refusal } from '../../core/callers/admission';
import type { FieldProblem } from '../../core/errors';

/** The one error shape of the API: `{ error: { code, message, details } }`. Messages never echo secrets. */
export function errorResponse(
    status: number,
    code: string,
    message: string,
    details: FieldProblem[] = [],
    headers: Record<string, string> = {},
): HttpResponseInit {
    return { status, headers, jsonBody: { error: { code, message, details } } };
}

export const badRequest = (problems: FieldProblem[]) =>
    errorResponse(400, 'invalid-request', 'The request is not valid; see details for each field.', problems);

/** A failure the client should retry later: storage or a service was unavailable. */
export const serviceUnavailable = (retryAfterInSeconds: number) =>
    errorResponse(503, 'temporarily-unavailable', 'A dependency is temporarily unavailable; try again.', [], {
        'Retry-After': String(retryAfterInSeconds),
    });

/** A caller who may not have this request run: a role it lacks, or a tenant it may not act in. */
export const forbidden = (refusal: Refusal) =>
    errorResponse(403, refusal.code, refusal.message, [{ field: refusal.field, reason: refusal.message }]);
