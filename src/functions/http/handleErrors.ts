import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import {
    AuthenticationFailedError,
    ConfigurationError,
    TransientServiceError,
    ValidationError,
} from '../../core/errors';
import { ProtectedEntryError } from '../../core/guard/guardErrors';
import { quoted } from '../../core/logText';
import { withTelemetry } from '../telemetry/withTelemetry';
import { badRequest, errorResponse, serviceUnavailable } from './responses';

type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * Maps what escapes a handler once, at the edge: input found bad deeper down (e.g. a continuation token) is 400
 * naming the field, a transient dependency failure is 503 with `Retry-After`, a protected entry that does not
 * resolve is 503 naming it, another bad setting is 500 naming the setting, anything else 500 without internals.
 * Only names and codes are logged.
 */
export function handleErrors(handler: HttpHandler): HttpHandler {
    return withTelemetry(async (request, context, log) => {
        try {
            return await handler(request, context);
        } catch (error) {
            if (error instanceof ValidationError) return badRequest(error.problems);
            if (error instanceof TransientServiceError) {
                log.warn('dependency-unavailable', `dependency unavailable: ${error.service} ${quoted(error.code)}`, {
                    statusCode: 503,
                });
                return serviceUnavailable(Math.max(1, Math.ceil((error.retryAfterInMs ?? 5_000) / 1000)));
            }
            if (error instanceof AuthenticationFailedError) {
                log.error('authentication-failed', `authentication failed: ${quoted(error.code)}`, { statusCode: 502 });
                return errorResponse(
                    502,
                    'upstream-authentication-failed',
                    `The service could not authenticate (${error.code}).`,
                );
            }
            if (error instanceof ProtectedEntryError) {
                // Not the caller's fault and not passing: nothing runs until an admin fixes the named entry.
                log.error('protected-entry-unresolved', quoted(error.message), { statusCode: 503 });
                return errorResponse(503, error.code, error.message);
            }
            if (error instanceof ConfigurationError) {
                log.error('configuration-error', error.message, { statusCode: 500 });
                return errorResponse(
                    500,
                    'configuration-error',
                    `The service is misconfigured: setting ${error.setting}.`,
                );
            }
            log.error(
                'unexpected-failure',
                `unexpected failure: ${error instanceof Error ? error.name : typeof error}`,
                {
                    statusCode: 500,
                },
            );
            return errorResponse(500, 'internal-error', 'The request could not be handled.');
        }
    });
}
