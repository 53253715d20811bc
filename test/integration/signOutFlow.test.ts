import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { getSignOutStatus } from '../../src/functions/getSignOutStatus';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { httpRequest, invocationContext, plain, pumpQueue, type CapturedLog } from '../support/hostEmulation';

const BASE = 'https://bc-signout.example/api';
let harness: AppHarness;
const logs: CapturedLog[] = [];

beforeAll(async () => {
    harness = await startAppHarness();
});
afterAll(async () => harness.close());

async function post(body: unknown) {
    return plain(
        await acceptSignOut(
            httpRequest('POST', `${BASE}/signouts`, { body }),
            invocationContext('acceptSignOut', {}, logs),
        ),
    );
}

async function status(requestId: string) {
    const request = httpRequest('GET', `${BASE}/signouts/${requestId}`);
    request.params.requestId = requestId;
    return plain(await getSignOutStatus(request, invocationContext('getSignOutStatus', {}, logs)));
}

describe('walking skeleton: HTTP → queue → engine → audit', () => {
    it('signs alice out of Entra and every active environment through the real clients', async () => {
        const accepted = await post({
            users: [FIXTURE.users.alice.userPrincipalName],
            reason: 'Stolen laptop, INC0001',
        });
        expect(accepted.status).toBe(202);
        const { requestId, statusUrl } = accepted.body as { requestId: string; statusUrl: string };
        expect(accepted.headers.location).toBe(statusUrl);
        expect(accepted.headers['retry-after']).toBe('10');

        expect((await status(requestId)).status).toBe(202);
        const pumped = await pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut, { logs });
        expect(pumped).toMatchObject({ handled: 1, failedAttempts: 0 });

        const final = await status(requestId);
        expect(final.status).toBe(200);
        const body = final.body as {
            status: string;
            result: { users: { systems: { system: string; status: string; counts?: { cancelled: number } }[] }[] };
        };
        const systems = Object.fromEntries(body.result.users[0]!.systems.map((s) => [s.system, s]));
        expect(systems['entra.revoke']?.status).toBe('succeeded');
        expect(systems['bc.PRODUCTION.sessions']).toMatchObject({ status: 'succeeded', counts: { cancelled: 2 } });
        expect(systems['bc.SANDBOX.sessions']).toMatchObject({ status: 'succeeded', counts: { cancelled: 2 } });
        // UAT has not registered the app for the Automation API: sessions are matched by name, and say so.
        expect(systems['bc.UAT.sessions']).toMatchObject({
            status: 'succeeded',
            heuristic: true,
            counts: { cancelled: 2 },
        });
        expect(body.status).toBe('completed');

        const aliceId = FIXTURE.users.alice.id;
        expect(harness.simulator.state.users.get(aliceId)?.signInSessionsValidFromDateTime).toBeTruthy();
        const remaining = harness.simulator.state.environments.flatMap((env) => env.sessions.map((s) => s.userId));
        expect(remaining).not.toContain('ALICE');
        expect(remaining).toContain('HANK');
        // The real Graph client went through $batch with a bearer token for Graph.
        expect(harness.simulator.callsTo('graph', 'POST', '/v1.0/$batch').length).toBeGreaterThan(0);
        expect(harness.simulator.callsTo('graph').every((call) => call.status !== 401)).toBe(true);

        const { audit } = await sharedServiceDependencies();
        const events = await audit.listEvents(requestId);
        expect(events.map((e) => e.type)).toEqual(
            expect.arrayContaining(['request-accepted', 'attempt-started', 'step-outcome', 'request-finished']),
        );
        expect(await audit.verifyTrail(requestId)).toMatchObject({ ok: true });
    });

    it('answers a malformed body with 400 and the reason, and queues nothing', async () => {
        const response = plain(
            await acceptSignOut(
                httpRequest('POST', `${BASE}/signouts`, { body: '{"users": [' }),
                invocationContext('acceptSignOut'),
            ),
        );
        expect(response.status).toBe(400);
        const invalid = await post({ users: [], reason: 'x' });
        expect(invalid.status).toBe(400);
        expect((invalid.body as { error: { details: { field: string }[] } }).error.details[0]?.field).toBe('users');
        expect(await pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut)).toMatchObject({
            handled: 0,
        });
    });

    it('never logs the client secret or a token', () => {
        const text = logs.map((l) => l.message).join('\n');
        expect(text).not.toContain(harness.simulator.clientSecret);
        for (const token of harness.simulator.issuedTokens()) expect(text).not.toContain(token);
    });
});
