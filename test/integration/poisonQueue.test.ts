import { QueueClient } from '@azure/storage-queue';
import { createServiceDependencies, sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { readConfig } from '../../src/config';
import { handlePoisonQueue } from '../../src/core/service/poisonQueue';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { sweepTimer } from '../../src/functions/sweepTimer';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { invocationContext, pumpQueue } from '../support/hostEmulation';

const { dan, hank } = FIXTURE.users;
const REQUEUE_LIMIT = 2;
let harness: AppHarness;
let poison: QueueClient;
let queue: QueueClient;

beforeAll(async () => {
    harness = await startAppHarness({ settings: { POISON_REQUEUE_LIMIT: String(REQUEUE_LIMIT) } });
    poison = new QueueClient(harness.connectionString, `${harness.queueName}-poison`);
    queue = new QueueClient(harness.connectionString, harness.queueName);
    await Promise.all([poison.createIfNotExists(), queue.createIfNotExists()]);
});
afterAll(async () => harness.close());

const timer = { isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
const sweep = () => sweepTimer(timer as never, invocationContext('sweepTimer'));
const pump = () => pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut);
/** What the host does after the last failed delivery: the message, as sent, goes to `<queue>-poison`. */
const poisoned = (payload: unknown) => poison.sendMessage(Buffer.from(JSON.stringify(payload)).toString('base64'));
/** The problems of every dead-lettered message record (made from a message, not from a claimed request). */
async function deadLetteredProblems() {
    const { audit } = await sharedServiceDependencies();
    const recent = (await audit.listRecent({ pageSize: 100 })).items.filter((i) => i.state === 'dead-lettered');
    const records = await Promise.all(recent.map((i) => audit.getRequest(i.requestId)));
    return records.flatMap((record) => record?.problems ?? []);
}
const revocationsOf = (objectId: string) =>
    harness.simulator.callsTo('graph', 'POST', /revokeSignInSessions$/).filter((c) => c.userId === objectId);

describe('poison queue', () => {
    it('claims a valid request that was poisoned before it was ever claimed, queues it again, and it runs once', async () => {
        const ticket = { system: 'servicenow', number: 'INC0077001' };
        await poisoned({
            users: [dan.userPrincipalName],
            reason: 'storage was down',
            ticket,
            environments: ['SANDBOX'],
        });
        await sweep();
        expect((await poison.peekMessages()).peekedMessageItems).toHaveLength(0);
        expect(await pump()).toMatchObject({ handled: 1, poisoned: 0 });

        const { audit } = await sharedServiceDependencies();
        const [summary] = (await audit.userHistory(dan.userPrincipalName)).items;
        expect(summary).toMatchObject({ state: 'completed', ticketNumber: 'INC0077001' });
        const events = await audit.listEvents(summary!.requestId);
        expect(events.map((e) => e.type)).toEqual(
            expect.arrayContaining(['request-accepted', 'resumed-from-poison', 'request-finished']),
        );
        expect(events.find((e) => e.type === 'resumed-from-poison')?.data).toMatchObject({
            requeue: 1,
            limit: REQUEUE_LIMIT,
        });
        expect(revocationsOf(dan.id).filter((c) => c.status === 200)).toHaveLength(1);
    });

    it('queues a poisoned request again at most POISON_REQUEUE_LIMIT times, counted in its trail, then dead-letters it', async () => {
        const message = {
            requestId: 'POISON-LIMIT',
            users: [hank.userPrincipalName],
            reason: 'keeps failing',
            environments: ['SANDBOX'],
        };
        for (let round = 1; round <= REQUEUE_LIMIT + 1; round++) {
            await poisoned(message);
            await sweep();
            // The work item the sweep queued fails every delivery (not run here): the host poisons the message again.
            await queue.clearMessages();
        }
        const { audit } = await sharedServiceDependencies();
        const record = await audit.getRequest('POISON-LIMIT');
        expect(record).toMatchObject({ state: 'dead-lettered' });
        const events = await audit.listEvents('POISON-LIMIT');
        expect(events.filter((e) => e.type === 'resumed-from-poison')).toHaveLength(REQUEUE_LIMIT);
        expect(events.slice(-2).map((e) => e.type)).toEqual(['dead-lettered', 'record-sealed']);
        expect(await audit.verifyTrail('POISON-LIMIT')).toMatchObject({ ok: true });
        expect(revocationsOf(hank.id)).toHaveLength(0);
    });

    it('claims an id-less request under the id its content gives it, as the queue worker does, and runs it once', async () => {
        const message = { users: [hank.userPrincipalName], reason: 'no id of its own', environments: ['SANDBOX'] };
        await poisoned(message);
        await sweep();
        expect(await pump()).toMatchObject({ handled: 1, poisoned: 0 });
        // The same message poisoned again (a sender's retry) is the same, finished request: nothing runs twice.
        await poisoned(message);
        await sweep();
        expect((await queue.peekMessages()).peekedMessageItems).toHaveLength(0);
        const { audit } = await sharedServiceDependencies();
        const requests = (await audit.userHistory(hank.userPrincipalName)).items.filter((i) =>
            i.requestId.startsWith('msg-'),
        );
        expect(requests.map((r) => r.state)).toEqual(['completed']);
        expect(revocationsOf(hank.id).filter((c) => c.status === 200)).toHaveLength(1);
    });

    it('never claims a poisoned request the queue may not have run: another tenant TENANT_CALLERS does not pair', async () => {
        const other = '22222222-2222-4222-8222-222222222222';
        const deps = await createServiceDependencies(
            readConfig({ ...process.env, ALLOWED_TENANT_IDS: `${FIXTURE.tenantId},${other}`, TENANT_CALLERS: '' }),
        );
        const ticket = { system: 'servicenow', number: 'INC0077003' };
        await poisoned({ tenantId: other, users: [dan.userPrincipalName], reason: 'refused at first', ticket });
        expect(await handlePoisonQueue(new Date(), deps)).toEqual({ resumed: 0, deadLettered: 1 });
        expect((await deadLetteredProblems()).filter((p) => p.field === 'tenantId')).toEqual([
            expect.objectContaining({ reason: expect.stringMatching(/TENANT_CALLERS does not pair them/) }),
        ]);
        expect((await queue.peekMessages()).peekedMessageItems).toHaveLength(0);
    });

    it('dead-letters an invalid message with its problems', async () => {
        await poisoned({ users: ['not a user'], reason: 'x', ticket: { system: 'servicenow', number: 'INC0077002' } });
        await sweep();
        expect((await deadLetteredProblems()).map((p) => p.field)).toContain('users[0]');
    });
});
