import { QueueClient } from '@azure/storage-queue';
import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import type { RequestRecord } from '../../src/core/ports/auditStore';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { getSignOutStatus } from '../../src/functions/getSignOutStatus';
import { listSignOuts } from '../../src/functions/listSignOuts';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { startCallbackReceiver, type CallbackReceiver } from '../support/callbackReceiver';
import {
    httpRequest,
    invocationContext,
    plain,
    pumpQueue,
    sendQueueMessage,
    type CapturedLog,
} from '../support/hostEmulation';

/**
 * One request id means one request, and the worker acts on the request exactly as it was accepted: what is shown
 * (answers, logs, the export) is scrubbed, what is run is not.
 */
const BASE = 'https://bc-signout.example/api';
const { alice, dan, hank, erin, carol } = FIXTURE.users;
const SIGNATURE = 'sp%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zk9vYmFyQmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg';
let harness: AppHarness;
let receiver: CallbackReceiver;
const logs: CapturedLog[] = [];
const answers: string[] = [];

beforeAll(async () => {
    receiver = await startCallbackReceiver();
    harness = await startAppHarness({ settings: { CALLBACK_ALLOWED_HOSTS: receiver.hostEntry } });
});
afterAll(async () => {
    await harness.close();
    await receiver.close();
});
afterEach(() => harness.simulator.faults.clear());

async function post(body: unknown) {
    const response = plain(
        await acceptSignOut(
            httpRequest('POST', `${BASE}/signouts`, { body }),
            invocationContext('acceptSignOut', {}, logs),
        ),
    );
    answers.push(JSON.stringify(response));
    return response;
}
async function status(requestId: string) {
    const request = httpRequest('GET', `${BASE}/signouts/${encodeURIComponent(requestId)}`);
    request.params.requestId = requestId;
    const response = plain(await getSignOutStatus(request, invocationContext('getSignOutStatus', {}, logs)));
    answers.push(JSON.stringify(response));
    return response;
}
const pump = () => pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut, { logs });
const audit = async () => (await sharedServiceDependencies()).audit;
const queued = async () =>
    (await new QueueClient(harness.connectionString, harness.queueName).getProperties()).approximateMessagesCount;
const revokesOf = (objectId: string) =>
    harness.simulator.calls.filter(
        (call) =>
            call.service === 'graph' &&
            call.status < 300 &&
            call.path.endsWith('/revokeSignInSessions') &&
            call.userId === objectId,
    ).length;
const codeOf = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

async function exportedAudit(): Promise<string> {
    const lines: string[] = [];
    for await (const line of (await audit()).exportRange(
        new Date(Date.now() - 3_600_000),
        new Date(Date.now() + 60_000),
    ))
        lines.push(line);
    return lines.join('');
}

describe('one request id, one request (HTTP)', () => {
    const body = { requestId: 'ONE-ID', users: [dan.userPrincipalName], reason: 'Leaver', environments: ['SANDBOX'] };

    it('answers the same id with other content 409 request-id-conflict, and keeps the first request', async () => {
        expect((await post(body)).status).toBe(202);
        const other = await post({ ...body, users: [dan.userPrincipalName, hank.userPrincipalName] });
        expect(other.status).toBe(409);
        expect(codeOf(other.body)).toBe('request-id-conflict');
        const reworded = await post({ ...body, reason: 'Leaver (reworded)' });
        expect(reworded.status).toBe(409);
        expect((await (await audit()).getRequest('ONE-ID'))?.request?.users).toEqual([dan.userPrincipalName]);
    });

    it('answers the same id with the same content as the existing request, however it is spelled', async () => {
        const again = await post({ ...body, users: [dan.userPrincipalName.toUpperCase()], actions: {} });
        expect(again).toMatchObject({ status: 202, body: { requestId: 'ONE-ID', duplicate: true } });
    });

    it('queues an accepted request once, however often it is posted', async () => {
        expect(await queued()).toBe(1);
        await post(body);
        expect(await queued()).toBe(1);
        expect((await (await audit()).getRequest('ONE-ID'))?.enqueuedAt).toEqual(expect.any(String));
        await pump();
        expect((await status('ONE-ID')).body).toMatchObject({ status: 'completed' });
        expect(revokesOf(dan.id)).toBe(1);
    });
});

describe('one message, one request (queue)', () => {
    const idless = { users: [erin.userPrincipalName], reason: 'id-less', environments: ['SANDBOX'], watchMinutes: 0 };

    it('gives a message without requestId or ticket an id from its content: a redelivery after a transient failure resumes it', async () => {
        // Longer than one delivery's retries: the host has to deliver the message again (a 503, not a quota wait,
        // which the worker would hand on to a message of its own).
        harness.simulator.faults.add({
            service: 'graph',
            path: /revokeSignInSessions$/,
            kind: 'status',
            status: 503,
            times: 5,
        });
        await sendQueueMessage(harness.connectionString, harness.queueName, idless);
        const report = await pump();
        expect(report).toMatchObject({ handled: 1, poisoned: 0 });
        expect(report.failedAttempts).toBeGreaterThanOrEqual(1);
        // The sender retried (ServiceNow does on a 5xx): the same content is the same request.
        await sendQueueMessage(harness.connectionString, harness.queueName, idless);
        await pump();
        const history = await (await audit()).userHistory(erin.userPrincipalName);
        expect(history.items.map((item) => [item.requestId.replace(/[0-9a-f]{32}$/, '<hash>'), item.state])).toEqual([
            ['msg-<hash>', 'completed'],
        ]);
        expect(revokesOf(erin.id)).toBe(1);
    });

    it('records another message under a known id as rejected request-id-conflict, once however often delivered', async () => {
        const first = {
            requestId: 'Q-ONE',
            users: [carol.id],
            reason: 'first',
            environments: ['SANDBOX'],
            dryRun: true,
        };
        await sendQueueMessage(harness.connectionString, harness.queueName, first);
        await pump();
        const second = { ...first, users: [hank.id], reason: 'second' };
        await sendQueueMessage(harness.connectionString, harness.queueName, second);
        await sendQueueMessage(harness.connectionString, harness.queueName, second);
        expect(await pump()).toMatchObject({ handled: 2, failedAttempts: 0 });
        const recent = await (await audit()).listRecent({ pageSize: 100 });
        const rejected = await Promise.all(
            recent.items
                .filter((item) => item.state === 'rejected')
                .map(async (item) => (await audit()).getRequest(item.requestId)),
        );
        const conflicts = rejected.filter((record) => record?.stateDetail === 'request-id-conflict');
        expect(conflicts).toHaveLength(1);
        expect(conflicts[0]?.problems).toEqual([{ field: 'requestId', reason: expect.stringContaining('Q-ONE') }]);
        expect((await (await audit()).getRequest('Q-ONE'))?.request?.users).toEqual([carol.id]);
    });
});

describe('the worker acts on the request as accepted', () => {
    it('calls back to the URL with its signature, verbatim, while no answer, log or export shows it', async () => {
        const callbackUrl = `${receiver.url}?api-version=2016-06-01&${SIGNATURE}`;
        const accepted = await post({
            requestId: 'CALLBACK-SIG',
            users: [alice.id],
            reason: 'callback',
            environments: ['SANDBOX'],
            watchMinutes: 0,
            callbackUrl,
        });
        expect(accepted.status).toBe(202);
        await pump();
        expect(receiver.paths).toEqual([`/callbacks/signout?api-version=2016-06-01&${SIGNATURE}`]);
        expect(receiver.received).toEqual([expect.objectContaining({ requestId: 'CALLBACK-SIG' })]);
        const shown = await status('CALLBACK-SIG');
        expect((shown.body as { request: { callbackUrl: string } }).request.callbackUrl).toBe(`${receiver.url}?…`);
        const events = await (await audit()).listEvents('CALLBACK-SIG');
        expect(events.map((event) => event.type)).toContain('callback-delivered');
        const secret = 'Zk9vYmFyQmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg';
        expect({
            answers: answers.some((answer) => answer.includes(secret)),
            logs: logs.some((log) => log.message.includes(secret)),
            export: (await exportedAudit()).includes(secret),
        }).toEqual({ answers: false, logs: false, export: false });
    });

    it('looks a user up by the UPN given, even one that starts like a token (eyJ…)', async () => {
        const upn = 'eyJosephine.k@contoso.com';
        await post({ requestId: 'EYJ-UPN', users: [upn], reason: 'a UPN is a UPN', environments: ['SANDBOX'] });
        await pump();
        const lookedUp = harness.simulator.calls.filter((call) => call.service === 'graph' && call.path.includes(upn));
        expect(lookedUp.length).toBeGreaterThan(0);
        const record = (await status('EYJ-UPN')).body as RequestRecord & { result: { users: { user: string }[] } };
        expect(record.result.users.map((user) => user.user)).toEqual([upn]);
        expect(record.request?.users).toEqual([upn]);
    });
});

describe('smaller holes', () => {
    it('answers a forged or malformed continuation token 400, not 500', async () => {
        const forged = Buffer.from(JSON.stringify({ nextPartitionKey: 'x\u0001', nextRowKey: '\u0000' })).toString(
            'base64url',
        );
        for (const token of [forged, 'AAAA', Buffer.from('{"nextPartitionKey":1}').toString('base64url')]) {
            const response = plain(
                await listSignOuts(
                    httpRequest('GET', `${BASE}/signouts?continuationToken=${token}`),
                    invocationContext('listSignOuts', {}, logs),
                ),
            );
            expect([token, response.status]).toEqual([token, 400]);
            expect((response.body as { error: { details: { field: string }[] } }).error.details[0]?.field).toBe(
                'continuationToken',
            );
        }
    });

    it.each(['\u202e', '\u2066', '\u2028', '\u2029', '\u202a'])('refuses a reason holding U+%s', async (char) => {
        const response = await post({ users: [alice.id], reason: `Leaver${char}revaeL`, dryRun: true });
        expect(response.status).toBe(400);
        expect((response.body as { error: { details: { field: string }[] } }).error.details[0]?.field).toBe('reason');
    });

    it('escapes what a log line quotes from a message', async () => {
        const before = logs.length;
        await sendQueueMessage(harness.connectionString, harness.queueName, {
            users: [alice.id],
            reason: 'x',
            'evil\nINFO forged line\u202e': 1,
        });
        await pump();
        const lines = logs.slice(before).map((log) => log.message);
        expect(lines.some((line) => line.includes('forged line'))).toBe(true);
        expect(lines.filter((line) => /[\n\u202e]/.test(line))).toEqual([]);
    });
});
