import { CallbackSender } from '../../src/clients/callback/callbackSender';
import { createServiceDependencies, serviceSettings } from '../../src/composition/serviceDependencies';
import { readConfig } from '../../src/config';
import { DEFAULT_RETRY } from '../../src/core/retryPolicy';
import { acceptRequest } from '../../src/core/service/acceptRequest';
import { processRequest } from '../../src/core/service/processRequest';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { startCallbackReceiver, type CallbackReceiver } from '../support/callbackReceiver';

const MINUTE = 60_000;
let receivers: CallbackReceiver[] = [];
afterEach(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    receivers = [];
});

async function receiver(options: Parameters<typeof startCallbackReceiver>[0]): Promise<CallbackReceiver> {
    const started = await startCallbackReceiver(options);
    receivers.push(started);
    return started;
}

/** A sender on a virtual clock: each wait is recorded and moves the clock instead of passing real time. */
function senderOnVirtualClock(hostEntry: string) {
    let now = Date.now();
    const waits: number[] = [];
    const sender = new CallbackSender({
        allowedHosts: [hostEntry],
        timeoutInMs: 5_000,
        retry: DEFAULT_RETRY,
        sleep: async (ms) => {
            waits.push(ms);
            now += ms;
        },
        now: () => now,
    });
    return { sender, waits, start: now };
}

describe('callback sender', () => {
    it('never waits longer than a minute for a Retry-After, however long the receiver asks for', async () => {
        const slowToRecover = await receiver({ status: 503, retryAfter: '86400' });
        const { sender, waits, start } = senderOnVirtualClock(slowToRecover.hostEntry);
        const outcome = await sender.send(slowToRecover.url, { requestId: 'r1' }, { deadlineAt: start + 60 * MINUTE });
        expect(waits.length).toBeGreaterThan(0);
        expect(Math.max(...waits)).toBeLessThanOrEqual(MINUTE);
        expect(outcome).toMatchObject({ delivered: false, status: 503, attempts: DEFAULT_RETRY.maxAttempts });
        expect(slowToRecover.received).toHaveLength(DEFAULT_RETRY.maxAttempts);
    });

    it("stops when the next wait would pass the request's deadline, and says so", async () => {
        const throttling = await receiver({ status: 429, retryAfter: '45' });
        const { sender, waits, start } = senderOnVirtualClock(throttling.hostEntry);
        const outcome = await sender.send(throttling.url, { requestId: 'r2' }, { deadlineAt: start + 2 * MINUTE });
        expect(waits).toEqual([45_000, 45_000]);
        expect(outcome).toMatchObject({ delivered: false, status: 429, attempts: 3 });
        expect(!outcome.delivered && outcome.reason).toMatch(/deadline/);
    });

    it('gives a receiver that does not answer no more time than the deadline leaves', async () => {
        const silent = await receiver({ answerAfterMs: 30_000 });
        const sender = new CallbackSender({
            allowedHosts: [silent.hostEntry],
            timeoutInMs: 30_000,
            retry: DEFAULT_RETRY,
        });
        const outcome = await sender.send(silent.url, { requestId: 'r3' }, { deadlineAt: Date.now() + 1_500 });
        expect(outcome).toMatchObject({ delivered: false, attempts: 1 });
        expect(!outcome.delivered && outcome.reason).toMatch(/no answer within/);
    });
});

describe('a request with a slow callback receiver', () => {
    let harness: AppHarness;
    beforeAll(async () => {
        harness = await startAppHarness();
    });
    afterAll(async () => harness.close());

    it('finishes within its deadline and records callback-failed with the reason', async () => {
        const slow = await receiver({ answerAfterMs: 60_000 });
        const config = readConfig({ ...harness.settings, CALLBACK_ALLOWED_HOSTS: slow.hostEntry });
        // A short deadline, so the test does not wait out the default eight minutes.
        const deps = await createServiceDependencies(config, {
            settings: { ...serviceSettings(config), requestDeadlineInMs: 3_000 },
        });
        const accepted = await acceptRequest(
            {
                requestId: 'CALLBACK-SLOW',
                users: [FIXTURE.users.dan.userPrincipalName],
                environments: ['SANDBOX'],
                reason: 'slow receiver',
                watchMinutes: 0,
                callbackUrl: slow.url,
            },
            { kind: 'function-key', id: 'test', verified: false },
            deps,
        );
        expect(accepted.kind).toBe('accepted');
        const outcome = await processRequest('CALLBACK-SLOW', { dequeueCount: 1, owner: 'worker-slow' }, deps);
        expect(outcome).toMatchObject({ kind: 'finished', record: { state: 'completed' } });
        expect(slow.received).toHaveLength(1);
        const events = await deps.audit.listEvents('CALLBACK-SLOW');
        expect(events[events.length - 1]).toMatchObject({
            type: 'callback-failed',
            detail: expect.stringMatching(/no answer within/),
        });
    });
});
