import { QueueClient } from '@azure/storage-queue';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { getSignOutStatus } from '../../src/functions/getSignOutStatus';
import { health } from '../../src/functions/health';
import { listSignOuts } from '../../src/functions/listSignOuts';
import { previewSignOut } from '../../src/functions/previewSignOut';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { sweepTimer } from '../../src/functions/sweepTimer';
import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { startCallbackReceiver, type CallbackReceiver } from '../support/callbackReceiver';
import { httpRequest, invocationContext, plain, pumpQueue, sendQueueMessage } from '../support/hostEmulation';

const BASE = 'https://bc-signout.example/api';
const { alice, dan, hank, breakglass } = FIXTURE.users;
let harness: AppHarness;
let receiver: CallbackReceiver;

beforeAll(async () => {
    receiver = await startCallbackReceiver();
    harness = await startAppHarness({
        settings: { CALLBACK_ALLOWED_HOSTS: `hooks.example.com,${receiver.hostEntry}` },
    });
});
afterAll(async () => {
    await harness.close();
    await receiver.close();
});

const post = async (body: unknown, headers: Record<string, string> = {}) =>
    plain(
        await acceptSignOut(
            httpRequest('POST', `${BASE}/signouts`, { body, headers }),
            invocationContext('acceptSignOut'),
        ),
    );
const status = async (requestId: string) => {
    const request = httpRequest('GET', `${BASE}/signouts/${encodeURIComponent(requestId)}`);
    request.params.requestId = requestId;
    return plain(await getSignOutStatus(request, invocationContext('getSignOutStatus')));
};
const pump = () => pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut);
const timer = (isPastDue = false) => ({ isPastDue, scheduleStatus: { last: '', next: '', lastUpdated: '' } });
const writesTo = (path: RegExp) =>
    harness.simulator.calls.filter((c) => c.method !== 'GET' && path.test(c.path) && c.service !== 'identity');

describe('HTTP API', () => {
    it('goes from POST to a final GET 200, and a repeated request id never runs twice', async () => {
        const body = {
            requestId: 'ENTRY-1',
            users: [dan.userPrincipalName],
            reason: 'Leaver',
            environments: ['SANDBOX'],
        };
        const first = await post(body);
        const again = await post(body);
        expect(first.status).toBe(202);
        expect(again).toMatchObject({ status: 202, body: { requestId: 'ENTRY-1', duplicate: true } });
        expect((await status('ENTRY-1')).status).toBe(202);
        await pump();
        const final = await status('ENTRY-1');
        expect(final).toMatchObject({ status: 200, body: { status: 'completed', result: { requestId: 'ENTRY-1' } } });
        expect(
            writesTo(/^\/v1\.0\/users\/[^/]+\/revokeSignInSessions$/).filter((c) => c.userId === dan.id),
        ).toHaveLength(1);
        // Posting it once more after it finished answers the finished request and queues nothing.
        expect((await post(body)).body).toMatchObject({ status: 'completed', duplicate: true });
        expect(await pump()).toMatchObject({ handled: 0 });
    });

    it('answers 404 for an unknown request and 400 for a malformed id', async () => {
        const unknown = await status('no-such-request');
        expect(unknown.status).toBe(404);
        expect(unknown.body).toMatchObject({ error: { details: [{ field: 'requestId' }] } });
        expect((await status('../etc/passwd')).status).toBe(400);
    });

    it('answers 415 and 413 and never queues', async () => {
        expect(
            (
                await plain(
                    await acceptSignOut(
                        httpRequest('POST', `${BASE}/signouts`, {
                            body: 'users=x',
                            headers: { 'content-type': 'text/plain' },
                        }),
                        invocationContext('a'),
                    ),
                )
            ).status,
        ).toBe(415);
        expect((await post({ users: [alice.userPrincipalName], reason: 'x'.repeat(2_200_000) })).status).toBe(413);
        expect(await pump()).toMatchObject({ handled: 0 });
    });

    it('refuses a callback to a host that is not allow-listed, at validation', async () => {
        const response = await post({
            users: [alice.userPrincipalName],
            reason: 'x',
            callbackUrl: 'https://169.254.169.254/metadata',
        });
        expect(response.status).toBe(400);
        expect((response.body as { error: { details: { field: string }[] } }).error.details[0]?.field).toBe(
            'callbackUrl',
        );
    });

    it('previews synchronously and changes nothing', async () => {
        const before = harness.simulator.calls.length;
        const response = plain(
            await previewSignOut(
                httpRequest('POST', `${BASE}/signouts/preview`, {
                    body: {
                        users: [hank.userPrincipalName, breakglass.userPrincipalName],
                        reason: 'what if',
                        actions: { blockSignIn: { mode: 'permanent' } },
                    },
                }),
                invocationContext('previewSignOut'),
            ),
        );
        expect(response.status).toBe(200);
        const result = response.body as {
            dryRun: boolean;
            users: { outcome: string; systems: { system: string; status: string; counts?: { found: number } }[] }[];
        };
        expect(result.dryRun).toBe(true);
        expect(result.users[0]?.systems.find((s) => s.system === 'bc.PRODUCTION.sessions')).toMatchObject({
            status: 'would-do',
            counts: { found: 6 },
        });
        expect(result.users[1]?.outcome).toBe('protected');
        const newCalls = harness.simulator.calls.slice(before);
        expect(
            newCalls.filter(
                (c) =>
                    c.service !== 'identity' &&
                    c.method !== 'GET' &&
                    !c.path.endsWith('$batch') &&
                    !c.path.endsWith('checkMemberGroups'),
            ),
        ).toEqual([]);
    });

    it('shows a user’s history, and health', async () => {
        const request = httpRequest('GET', `${BASE}/signouts?user=${encodeURIComponent(dan.userPrincipalName)}`);
        const history = plain(await listSignOuts(request, invocationContext('listSignOuts')));
        expect(history.status).toBe(200);
        expect((history.body as { items: { requestId: string }[] }).items.map((i) => i.requestId)).toContain('ENTRY-1');
        const healthy = plain(await health(httpRequest('GET', `${BASE}/health`), invocationContext('health')));
        expect(healthy).toEqual({
            status: 200,
            headers: {},
            body: {
                status: 'healthy',
                checks: { configuration: 'ok', storage: 'ok', [`guard:${FIXTURE.tenantId}`]: 'ok' },
            },
        });
    });
});

describe('ITSM queue', () => {
    const ticketMessage = {
        users: [hank.userPrincipalName],
        reason: 'HR leaver',
        ticket: { system: 'servicenow', number: 'INC0099001' },
        environments: ['SANDBOX'],
        watchMinutes: 0,
    };

    it('runs a ticket delivered twice exactly once', async () => {
        await sendQueueMessage(harness.connectionString, harness.queueName, ticketMessage);
        await sendQueueMessage(harness.connectionString, harness.queueName, ticketMessage);
        const before = writesTo(/revokeSignInSessions/).filter((c) => c.userId === hank.id).length;
        const report = await pump();
        expect(report).toMatchObject({ handled: 2, poisoned: 0 });
        expect(writesTo(/revokeSignInSessions/).filter((c) => c.userId === hank.id).length - before).toBe(1);
        const { audit } = await sharedServiceDependencies();
        const history = await audit.userHistory(hank.userPrincipalName);
        const ids = history.items.filter((i) => i.requestId.startsWith('servicenow-INC0099001-'));
        expect(ids).toHaveLength(1);
        expect(ids[0]?.state).toBe('completed');
    });

    it('records an invalid message as rejected, without retry and without calling anyone', async () => {
        const before = harness.simulator.calls.length;
        await sendQueueMessage(harness.connectionString, harness.queueName, {
            users: ["x' or 1 eq 1"],
            reason: 'injection',
            ticket: { system: 'servicenow', number: 'INC1' },
        });
        await sendQueueMessage(harness.connectionString, harness.queueName, 'this is not json');
        expect(await pump()).toMatchObject({ handled: 2, failedAttempts: 0 });
        expect(harness.simulator.calls.slice(before)).toEqual([]);
        const { audit } = await sharedServiceDependencies();
        const recent = await audit.listRecent({ pageSize: 50 });
        const rejected = recent.items.filter((i) => i.state === 'rejected');
        expect(rejected.length).toBeGreaterThanOrEqual(2);
        const record = await audit.getRequest(rejected[0]!.requestId);
        expect(record?.problems?.length).toBeGreaterThan(0);
    });
});

describe('sweep', () => {
    it('cancels a reconnect during the watch window, and only one of two overlapping runs acts', async () => {
        const accepted = await post({
            requestId: 'ENTRY-WATCH',
            users: [alice.userPrincipalName],
            reason: 'watch me',
            environments: ['PRODUCTION'],
        });
        expect(accepted.status).toBe(202);
        await pump();
        harness.simulator.materialiseReconnects();
        const env = () => harness.simulator.state.environments.find((e) => e.name === 'PRODUCTION')!;
        expect(env().sessions.filter((s) => s.userId === 'ALICE')).toHaveLength(2);
        const logs: { level: string; message: string }[] = [];
        await Promise.all([
            sweepTimer(timer() as never, invocationContext('sweepTimer', {}, logs)),
            sweepTimer(timer(true) as never, invocationContext('sweepTimer', {}, logs)),
        ]);
        expect(env().sessions.filter((s) => s.userId === 'ALICE')).toHaveLength(0);
        expect(logs.filter((l) => l.message.startsWith('sweep skipped'))).toHaveLength(1);
        const { audit } = await sharedServiceDependencies();
        const reconnects = (await audit.listEvents('ENTRY-WATCH')).filter((e) => e.type === 'reconnect-cancelled');
        expect(reconnects).toHaveLength(2);
    });

    it('turns a poisoned message into a dead-lettered audit record before removing it', async () => {
        const poison = new QueueClient(harness.connectionString, `${harness.queueName}-poison`);
        await poison.createIfNotExists();
        await poison.sendMessage(Buffer.from('{"users": ["broken"').toString('base64'));
        await sweepTimer(timer() as never, invocationContext('sweepTimer'));
        expect((await poison.peekMessages()).peekedMessageItems).toHaveLength(0);
        const { audit } = await sharedServiceDependencies();
        const deadLettered = (await audit.listRecent({ pageSize: 100 })).items.filter(
            (i) => i.state === 'dead-lettered',
        );
        expect(deadLettered).toHaveLength(1);
    });
});

describe('resumption', () => {
    it('queues again a request whose worker died, once its lease has expired, and it completes', async () => {
        const accepted = await post({
            requestId: 'ENTRY-ORPHAN',
            users: [dan.userPrincipalName],
            reason: 'orphan',
            environments: ['SANDBOX'],
            watchMinutes: 0,
        });
        expect(accepted.status).toBe(202);
        const { audit } = await sharedServiceDependencies();
        // A worker took it and died: its lease ran out, and the host moved the message to the poison queue.
        const queue = new QueueClient(harness.connectionString, harness.queueName);
        await queue.clearMessages();
        expect(
            (await audit.startAttempt('ENTRY-ORPHAN', 'dead-worker', 1_000, new Date(Date.now() - 60_000))).kind,
        ).toBe('acquired');
        const poison = new QueueClient(harness.connectionString, `${harness.queueName}-poison`);
        await poison.createIfNotExists();
        await poison.sendMessage(
            Buffer.from(JSON.stringify({ workItem: { requestId: 'ENTRY-ORPHAN' } })).toString('base64'),
        );

        await sweepTimer(timer() as never, invocationContext('sweepTimer'));
        await pump();
        expect((await status('ENTRY-ORPHAN')).body).toMatchObject({ status: 'completed' });
        const types = (await audit.listEvents('ENTRY-ORPHAN')).map((e) => e.type);
        expect(types).toEqual(expect.arrayContaining(['resumed-from-poison', 'request-finished']));
    });
});

describe('callbacks', () => {
    it('POSTs the final result to an allow-listed callback and audits the delivery', async () => {
        await post({
            requestId: 'ENTRY-CALLBACK',
            users: [dan.id],
            reason: 'callback',
            environments: ['SANDBOX'],
            callbackUrl: receiver.url,
            watchMinutes: 0,
        });
        await pump();
        expect(receiver.received).toEqual([
            expect.objectContaining({ requestId: 'ENTRY-CALLBACK', status: 'completed' }),
        ]);
        const { audit } = await sharedServiceDependencies();
        expect((await audit.listEvents('ENTRY-CALLBACK')).map((e) => e.type)).toContain('callback-delivered');
        const shown = (await status('ENTRY-CALLBACK')).body as { request: { callbackUrl: string } };
        expect(shown.request.callbackUrl).toBe(receiver.url);
    });
});
