import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { getSignOutStatus } from '../../src/functions/getSignOutStatus';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { bulkFixture, bulkUserPrincipalName } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { startCallbackReceiver, type CallbackReceiver } from '../support/callbackReceiver';
import { QueueClient } from '@azure/storage-queue';
import { handlePoisonQueue } from '../../src/core/service/poisonQueue';
import { processRequest } from '../../src/core/service/processRequest';
import { httpRequest, invocationContext, plain, pumpQueue, sendQueueMessage } from '../support/hostEmulation';

/**
 * A request of more users than SHARD_SIZE runs as shards on the queue, through the real handlers, Azurite and the
 * simulator: every user revoked once, the request's record the merged result, its callback once.
 */
const BASE = 'https://bc-signout.example/api';
const USERS = 120;
const SHARD_SIZE = 50;
let harness: AppHarness;
let receiver: CallbackReceiver;

beforeAll(async () => {
    receiver = await startCallbackReceiver();
    harness = await startAppHarness({
        simulator: { fixture: bulkFixture(USERS, 2, 1) },
        settings: {
            SHARD_SIZE: String(SHARD_SIZE),
            CALLBACK_ALLOWED_HOSTS: receiver.hostEntry,
            REQUEST_DEADLINE_MS: '10000',
            POISON_REQUEUE_LIMIT: '0',
        },
    });
});
afterAll(async () => {
    await harness.close();
    await receiver.close();
});

const names = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, index) => bulkUserPrincipalName(from + index));

async function post(body: unknown) {
    return plain(await acceptSignOut(httpRequest('POST', `${BASE}/signouts`, { body }), invocationContext('accept')));
}

async function status(requestId: string) {
    const request = httpRequest('GET', `${BASE}/signouts/${requestId}`);
    request.params.requestId = requestId;
    return plain(await getSignOutStatus(request, invocationContext('getSignOutStatus')));
}

const pump = () => pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut);

/** Successful revocations per user object id, over the whole file. */
function revocationsByUser(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const call of harness.simulator.calls)
        if (call.method === 'POST' && call.path.endsWith('revokeSignInSessions') && call.status < 300 && call.userId)
            counts.set(call.userId, (counts.get(call.userId) ?? 0) + 1);
    return counts;
}

interface Status {
    status: string;
    shards?: number;
    shardOf?: string;
    progress?: { users: number; shards?: { total: number; ended: number } };
    result?: { status: string; users: { user: string; outcome: string }[]; residualRisk: { notes: string[] } };
}

describe('a request of more users than SHARD_SIZE', () => {
    it('is split into shards when accepted, each run from the queue, and finished once with every user', async () => {
        const users = names(1, USERS);
        const accepted = await post({
            requestId: 'bulk-leavers-1',
            users,
            reason: 'Site closure',
            callbackUrl: `${receiver.url}/done?sig=secret`,
        });
        expect(accepted.status).toBe(202);

        const pending = await status('bulk-leavers-1');
        expect(pending.status).toBe(202);
        expect((pending.body as Status).progress).toMatchObject({ users: USERS, shards: { total: 3, ended: 0 } });
        const { audit } = await sharedServiceDependencies();
        const shard = await audit.getRequest('bulk-leavers-1.shard-002');
        expect(shard).toMatchObject({ parentRequestId: 'bulk-leavers-1', userCount: 40, state: 'accepted' });
        expect(shard?.request?.users).toEqual(users.slice(40, 80));
        expect(shard?.request?.callbackUrl).toBeUndefined();

        expect(await pump()).toMatchObject({ handled: 3, failedAttempts: 0 });

        const final = await status('bulk-leavers-1');
        expect(final.status).toBe(200);
        const body = final.body as Status;
        expect(body).toMatchObject({ status: 'completed', shards: 3 });
        expect(body.result?.users.map((user) => user.user)).toEqual(users);
        expect(body.result?.users.every((user) => user.outcome === 'processed')).toBe(true);
        // Every user revoked exactly once, and none of their sessions left.
        const revoked = revocationsByUser();
        expect(revoked.size).toBe(USERS);
        expect([...revoked.values()].every((count) => count === 1)).toBe(true);
        const left = harness.simulator.state.environments.flatMap((environment) => environment.sessions);
        expect(left.filter((session) => session.userId.startsWith('USER'))).toEqual([]);
        // One callback, with the merged result, to the URL as accepted.
        expect(receiver.received).toHaveLength(1);
        expect(receiver.paths).toEqual([`${new URL(receiver.url).pathname}/done?sig=secret`]);
        expect(receiver.received[0]).toMatchObject({ requestId: 'bulk-leavers-1', status: 'completed' });
        expect((await status('bulk-leavers-1.shard-001')).body).toMatchObject({ shardOf: 'bulk-leavers-1' });

        const events = (await audit.listEvents('bulk-leavers-1')).map((event) => event.type);
        expect(events).toEqual(
            expect.arrayContaining(['request-accepted', 'request-sharded', 'request-finished', 'callback-delivered']),
        );
        expect(await audit.verifyTrail('bulk-leavers-1')).toMatchObject({ ok: true });
    });

    it('is the same request when posted again: nothing is queued or run twice', async () => {
        const again = await post({
            requestId: 'bulk-leavers-1',
            users: names(1, USERS),
            reason: 'Site closure',
            callbackUrl: `${receiver.url}/done?sig=secret`,
        });
        expect(again.status).toBe(202);
        expect(again.body).toMatchObject({ duplicate: true, status: 'completed' });
        expect(await pump()).toMatchObject({ handled: 0 });
        expect(receiver.received).toHaveLength(1);
    });

    it('from an ITSM message is split the same way, and the message only queues its shards', async () => {
        await sendQueueMessage(harness.connectionString, harness.queueName, {
            requestId: 'itsm-bulk-2',
            users: names(1, 60),
            reason: 'Contract ended',
            requestedBy: 'servicenow',
        });
        // The message, then its two shards.
        expect(await pump()).toMatchObject({ handled: 3, failedAttempts: 0 });
        const body = (await status('itsm-bulk-2')).body as Status;
        expect(body).toMatchObject({ status: 'completed', shards: 2 });
        expect(body.result?.users).toHaveLength(60);
    });

    it("refuses a requester's id that would name a shard", async () => {
        const response = await post({ requestId: 'mine.shard-001', users: names(1, 1), reason: 'x' });
        expect(response.status).toBe(400);
        expect(JSON.stringify(response.body)).toMatch(/requestId.*shard/);
    });

    it("hands a shard on while Graph's write quota refills, instead of spending the host's deliveries", async () => {
        // A small tenant quota, as if another app spent the rest: 30 users per 15 s, past an attempt's 10 s deadline.
        harness.simulator.behaviour.graphWriteQuota = { writes: 30, perMs: 15_000 };
        const before = revocationsByUser();
        try {
            const accepted = await post({ requestId: 'bulk-quota-3', users: names(61, 120), reason: 'Quota' });
            expect(accepted.status).toBe(202);
            const pumped = await pump();
            expect(pumped).toMatchObject({ failedAttempts: 0, poisoned: 0 });
        } finally {
            harness.simulator.behaviour.graphWriteQuota = { writes: 3000, perMs: 150_000 };
        }
        const body = (await status('bulk-quota-3')).body as Status;
        expect(body.status).toBe('completed');
        const { audit } = await sharedServiceDependencies();
        const continued = await Promise.all(
            ['bulk-quota-3.shard-001', 'bulk-quota-3.shard-002'].map(async (id) =>
                (await audit.listEvents(id)).filter((event) => event.type === 'attempt-continued'),
            ),
        );
        expect(continued.flat().length).toBeGreaterThan(0);
        expect(continued.flat()[0]?.detail).toMatch(/handed on to a message visible in \d+ s/);
        // The users of this request were revoked once more each: once, whatever the waits.
        const after = revocationsByUser();
        const added = [...after].filter(([id, count]) => count !== (before.get(id) ?? 0));
        expect(added).toHaveLength(60);
        expect(added.every(([id, count]) => count === (before.get(id) ?? 0) + 1)).toBe(true);
    }, 120_000);

    it('ends with what its shards did when one is dead-lettered, and says whose sign-out is not known', async () => {
        const accepted = await post({
            requestId: 'bulk-poison-4',
            users: names(1, 60),
            reason: 'Poisoned shard',
            callbackUrl: `${receiver.url}/poison`,
        });
        expect(accepted.status).toBe(202);
        // The host gives up on the second shard's message: it goes to the poison queue, never run.
        const queue = new QueueClient(harness.connectionString, harness.queueName);
        const poison = new QueueClient(harness.connectionString, `${harness.queueName}-poison`);
        await poison.createIfNotExists();
        const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 2, visibilityTimeout: 60 });
        const second = receivedMessageItems.find((message) =>
            Buffer.from(message.messageText, 'base64').toString('utf8').includes('bulk-poison-4.shard-002'),
        );
        expect(second).toBeDefined();
        await poison.sendMessage(second!.messageText);
        await queue.deleteMessage(second!.messageId, second!.popReceipt);
        for (const message of receivedMessageItems.filter((message) => message !== second))
            await queue.updateMessage(message.messageId, message.popReceipt, undefined, 0);
        expect(await pump()).toMatchObject({ handled: 1 });
        expect((await status('bulk-poison-4')).status).toBe(202);

        const deps = await sharedServiceDependencies();
        expect(await handlePoisonQueue(new Date(), deps)).toMatchObject({ deadLettered: 1 });
        const body = (await status('bulk-poison-4')).body as Status;
        expect(body.status).toBe('partial');
        expect(body.result?.users.slice(30).every((user) => user.outcome === 'failed')).toBe(true);
        expect(body.result?.residualRisk.notes.join('\n')).toMatch(
            /shard bulk-poison-4.shard-002 ended dead-lettered .*30 users is not known to have happened/i,
        );
        const callbacks = receiver.paths.filter((path) => path.endsWith('/poison'));
        expect(callbacks).toHaveLength(1);
    });

    it('is finished by the sweep when its last shard ended but settling it failed until the message was poisoned', async () => {
        expect((await post({ requestId: 'bulk-settle-5', users: names(61, 120), reason: 'Unsettled' })).status).toBe(
            202,
        );
        const queue = new QueueClient(harness.connectionString, harness.queueName);
        const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 2, visibilityTimeout: 60 });
        const last = receivedMessageItems.find((message) =>
            Buffer.from(message.messageText, 'base64').toString('utf8').includes('bulk-settle-5.shard-002'),
        );
        expect(last).toBeDefined();
        await queue.deleteMessage(last!.messageId, last!.popReceipt);
        for (const message of receivedMessageItems.filter((message) => message !== last))
            await queue.updateMessage(message.messageId, message.popReceipt, undefined, 0);
        expect(await pump()).toMatchObject({ handled: 1 });

        // The last shard runs to its end, but its request's record cannot be taken to settle it, on every delivery.
        const deps = await sharedServiceDependencies();
        const audit = Object.create(deps.audit) as typeof deps.audit;
        audit.startAttempt = (requestId, ...rest) =>
            requestId === 'bulk-settle-5'
                ? Promise.reject(new Error('storage unavailable'))
                : deps.audit.startAttempt(requestId, ...rest);
        await expect(
            processRequest('bulk-settle-5.shard-002', { dequeueCount: 5, owner: 'last-delivery' }, { ...deps, audit }),
        ).rejects.toThrow('storage unavailable');
        expect((await deps.audit.getRequest('bulk-settle-5.shard-002'))?.state).toBe('completed');
        const poison = new QueueClient(harness.connectionString, `${harness.queueName}-poison`);
        await poison.createIfNotExists();
        await poison.sendMessage(last!.messageText);
        expect((await status('bulk-settle-5')).status).toBe(202);

        expect(await handlePoisonQueue(new Date(), deps)).toMatchObject({ resumed: 0, deadLettered: 0 });
        const body = (await status('bulk-settle-5')).body as Status;
        expect(body.status).toBe('completed');
        expect(body.result?.users).toHaveLength(60);
        expect((await poison.peekMessages()).peekedMessageItems).toHaveLength(0);
    });
});
