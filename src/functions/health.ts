import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { appConfig } from '../config';
import { AuthenticationFailedError, ConfigurationError, ensureError } from '../core/errors';
import { authorize } from './http/authorize';
import type { InvocationLog } from './telemetry/invocationLog';
import { withTelemetry } from './telemetry/withTelemetry';

type Checks = Record<string, string>;

/**
 * GET /api/health: configuration valid, storage reachable, and every served tenant's protected accounts resolved
 * (a protected entry that does not resolve stops all work, so health names it). Names a bad setting or entry,
 * never a value of a secret. Needs a function key but no token (an availability probe has none): it is on App
 * Service authentication's excluded paths. The deep check of every prerequisite needs a token: GET /api/doctor.
 */
export const health = withTelemetry(async function health(
    request: HttpRequest,
    _context: InvocationContext,
    log: InvocationLog,
): Promise<HttpResponseInit> {
    let tenants: readonly string[];
    try {
        tenants = appConfig().allowedTenantIds;
    } catch (error) {
        const setting = error instanceof ConfigurationError ? error.setting : 'unknown';
        return unhealthy({ configuration: `invalid: ${setting}`, storage: 'not checked', guard: 'not checked' });
    }
    const caller = authorize(request, 'public');
    if (!caller.ok) return caller.response;
    const deps = await services();
    try {
        await deps.audit.getRequest('health-probe');
    } catch (error) {
        log.warn('health-problem', `health: storage unreachable (${error instanceof Error ? error.name : 'error'})`, {
            status: 'unhealthy',
        });
        return unhealthy({ configuration: 'ok', storage: 'unreachable', guard: 'not checked' });
    }
    const checks: Checks = { configuration: 'ok', storage: 'ok' };
    const warnings: string[] = [];
    let healthy = true;
    for (const tenantId of tenants) {
        try {
            const set = await deps.protectedSets.get(tenantId);
            checks[`guard:${tenantId}`] = 'ok';
            warnings.push(...set.warnings);
        } catch (error) {
            healthy = false;
            checks[`guard:${tenantId}`] = guardProblem(error);
            log.warn('health-problem', `health: guard of tenant ${tenantId}: ${checks[`guard:${tenantId}`]}`, {
                tenantId,
                status: 'unhealthy',
            });
        }
    }
    const body = { status: healthy ? 'healthy' : 'unhealthy', checks, ...(warnings.length > 0 && { warnings }) };
    return { status: healthy ? 200 : 503, jsonBody: body };
});

function guardProblem(error: unknown): string {
    if (error instanceof ConfigurationError) return `invalid: ${error.message}`;
    if (error instanceof AuthenticationFailedError) return `credentials refused (${error.code})`;
    if (error instanceof Error && 'code' in error && typeof error.code === 'string')
        return `unavailable (${error.code})`;
    // Anything else is still an answer about this tenant, not a failure of the probe.
    return `unavailable (${ensureError(error).name})`;
}

function unhealthy(checks: Checks): HttpResponseInit {
    return { status: 503, jsonBody: { status: 'unhealthy', checks } };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'function', handler: health });
