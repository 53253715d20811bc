import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { appConfig } from '../config';
import { ConfigurationError } from '../core/errors';
import { authorize } from './http/authorize';

/**
 * GET /api/health: configuration valid and storage reachable. Names a bad setting, never a value. Public (an
 * availability probe has no token): it is on App Service authentication's excluded paths and tells nothing else.
 */
export async function health(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    try {
        appConfig();
    } catch (error) {
        const setting = error instanceof ConfigurationError ? error.setting : 'unknown';
        return {
            status: 503,
            jsonBody: { status: 'unhealthy', checks: { configuration: `invalid: ${setting}`, storage: 'not checked' } },
        };
    }
    const caller = authorize(request, 'public');
    if (!caller.ok) return caller.response;
    try {
        await (await services()).audit.getRequest('health-probe');
    } catch (error) {
        context.warn(`health: storage unreachable (${error instanceof Error ? error.name : 'error'})`);
        return {
            status: 503,
            jsonBody: { status: 'unhealthy', checks: { configuration: 'ok', storage: 'unreachable' } },
        };
    }
    return { status: 200, jsonBody: { status: 'healthy', checks: { configuration: 'ok', storage: 'ok' } } };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'function', handler: health });
