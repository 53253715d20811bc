import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { appConfig } from '../config';
import { ROLES } from '../core/callers/roles';
import { authorize } from './http/authorize';
import { handleErrors } from './http/handleErrors';

/**
 * GET /api/doctor: every prerequisite checked by its effect, with the app's own identity (as `bc-signout doctor`);
 * 200 when every needed one passes, else 503. Not under /api/health: that path is excluded from App Service
 * authentication (a probe has no token), and the platform does not document whether an excluded path also covers
 * the paths below it, so a route that needs a role lives where no exclusion can reach it.
 */
export async function doctor(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
    const caller = authorize(request, ROLES.read);
    if (!caller.ok) return caller.response;
    const [{ createDoctorProbes }, { runDoctor }] = await Promise.all([
        import('../composition/doctorProbes'),
        import('../core/doctor/runDoctor'),
    ]);
    const report = await runDoctor(createDoctorProbes(appConfig(), { inWorker: true }));
    return { status: report.ok ? 200 : 503, jsonBody: report };
}

app.http('doctor', { route: 'doctor', methods: ['GET'], authLevel: 'function', handler: handleErrors(doctor) });
