import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { getSignOutStatus } from '../../src/functions/getSignOutStatus';
import { listEnvironments } from '../../src/functions/listEnvironments';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { FIXTURE } from '../simulator';
import { harnessForFile } from '../support/appHarness';
import { httpRequest, invocationContext, plain, pumpQueue, type CapturedLog } from '../support/hostEmulation';

const BASE = 'https://bc-signout.example/api';
const harness = harnessForFile();
const logs: CapturedLog[] = [];

const context = (name: string) => invocationContext(name, {}, logs);
const accept = async (body: Record<string, unknown>) =>
    plain(
        await acceptSignOut(
            httpRequest('POST', `${BASE}/signouts`, {
                body: { users: [FIXTURE.users.alice.userPrincipalName], ...body },
            }),
            context('acceptSignOut'),
        ),
    );
const listing = async (query = '') =>
    plain(await listEnvironments(httpRequest('GET', `${BASE}/environments${query}`), context('listEnvironments')));

describe('GET /api/environments', () => {
    it('lists every environment the admin center lists, with its type and status', async () => {
        const response = await listing();
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
            value: [
                { name: 'PRODUCTION', type: 'Production', status: 'Active', applicationFamily: 'BusinessCentral' },
                { name: 'SANDBOX', type: 'Sandbox', status: 'Active', applicationFamily: 'BusinessCentral' },
                { name: 'UAT', type: 'Sandbox', status: 'Active', applicationFamily: 'BusinessCentral' },
                { name: 'OLD-SANDBOX', type: 'Sandbox', status: 'SoftDeleted', applicationFamily: 'BusinessCentral' },
            ],
        });
        expect(
            harness().simulator.callsTo('bc-admin', 'GET', /\/applications\/BusinessCentral\/environments$/),
        ).not.toEqual([]);
    });

    it('answers 400 naming the field for a tenant it does not serve or a malformed family', async () => {
        const tenant = await listing('?tenantId=22222222-2222-4222-8222-222222222222');
        expect([tenant.status, (tenant.body as { error: { details: unknown } }).error.details]).toEqual([
            400,
            [{ field: 'tenantId', reason: 'is not a tenant this deployment serves' }],
        ]);
        const family = await listing('?applicationFamily=../x');
        expect([
            family.status,
            (family.body as { error: { details: { field: string }[] } }).error.details[0]?.field,
        ]).toEqual([400, 'applicationFamily']);
    });
});

describe('a request that chooses environments by type', () => {
    it('acts only in the active environments of that type', async () => {
        const accepted = await accept({ reason: 'by type', environmentTypes: ['Sandbox'] });
        expect(accepted.status).toBe(202);
        const { requestId } = accepted.body as { requestId: string };
        await pumpQueue(harness().connectionString, harness().queueName, runQueuedSignOut, { logs });

        const sessionsOf = (env: string) =>
            harness()
                .simulator.state.environment(env)
                .sessions.filter((session) => session.userId === 'ALICE');
        expect(sessionsOf('PRODUCTION')).toHaveLength(2);
        expect(sessionsOf('SANDBOX')).toEqual([]);
        expect(sessionsOf('UAT')).toEqual([]);
        expect(harness().simulator.callsTo('bc-admin', 'DELETE', /\/environments\/PRODUCTION\//)).toEqual([]);

        const request = httpRequest('GET', `${BASE}/signouts/${requestId}`);
        request.params.requestId = requestId;
        const status = plain(await getSignOutStatus(request, context('getSignOutStatus')));
        const body = status.body as {
            request: { environmentTypes: string[] };
            result: { environments: { name: string }[] };
        };
        expect(body.request.environmentTypes).toEqual(['Sandbox']);
        const { audit } = await sharedServiceDependencies();
        const acceptance = (await audit.listEvents(requestId)).find((event) => event.type === 'request-accepted');
        expect(acceptance?.data).toMatchObject({ environments: 'all', environmentTypes: ['Sandbox'] });
        expect(body.result.environments.map((env) => env.name).sort()).toEqual(['OLD-SANDBOX', 'SANDBOX', 'UAT']);
    });

    it('refuses names and types together with 400 naming environmentTypes, and queues nothing', async () => {
        const refused = await accept({
            reason: 'both',
            environments: ['PRODUCTION'],
            environmentTypes: ['Production'],
        });
        expect(refused.status).toBe(400);
        expect((refused.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field)).toEqual(
            ['environmentTypes'],
        );
        expect(
            await pumpQueue(harness().connectionString, harness().queueName, runQueuedSignOut, { logs }),
        ).toMatchObject({
            handled: 0,
        });
    });
});
