import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { startCallbackReceiver, type CallbackReceiver } from '../support/callbackReceiver';
import { httpRequest, invocationContext, plain, pumpQueue } from '../support/hostEmulation';
import { SuiteFigures } from './support/figures';
import { duplicateChanges, faultedCalls } from './support/simulatorEvidence';
import { contradictions } from './support/truthfulness';

/**
 * Callback receivers that never answer, or ask to be called again in a day: each request still finishes in its one
 * delivery, and its trail ends with `callback-failed` and the reason, written before the host's time-out would have
 * stopped the worker. The deadline is the shortest the configuration allows, so the file does not wait minutes.
 */
const { bob, carol } = FIXTURE.users;
let silent: CallbackReceiver;
let busy: CallbackReceiver;
let harness: AppHarness;
const figures = new SuiteFigures('slow callback receivers');

beforeAll(async () => {
    silent = await startCallbackReceiver({ answerAfterMs: 10 * 60_000 });
    busy = await startCallbackReceiver({ status: 503, retryAfter: '86400' });
    harness = await startAppHarness({
        simulator: { reconnectDelayMs: 3_600_000 },
        settings: {
            CALLBACK_ALLOWED_HOSTS: `${silent.hostEntry},${busy.hostEntry}`,
            REQUEST_DEADLINE_MS: '10000',
        },
    });
});

afterAll(async () => {
    figures.faultsInjected = faultedCalls(harness.simulator.calls);
    figures.duplicatesExecuted = duplicateChanges(harness.simulator.calls);
    figures.print();
    await harness.close();
    await Promise.all([silent.close(), busy.close()]);
});

it('finishes every request and records why its callback failed, within the deadline', async () => {
    const requests = [
        { requestId: 'CALLBACK-SILENT', user: bob, receiver: silent, reason: /no answer within \d+ ms/ },
        { requestId: 'CALLBACK-BUSY', user: carol, receiver: busy, reason: /answered 503; the request's deadline/ },
    ];
    for (const { requestId, user, receiver } of requests) {
        const accepted = plain(
            await acceptSignOut(
                httpRequest('POST', 'https://bc-signout.example/api/signouts', {
                    body: {
                        requestId,
                        users: [user.userPrincipalName],
                        environments: ['SANDBOX'],
                        reason: 'reliability: slow callback',
                        watchMinutes: 0,
                        callbackUrl: receiver.url,
                    },
                }),
                invocationContext('acceptSignOut'),
            ),
        );
        expect(accepted.status).toBe(202);
    }
    figures.requests = requests.length;

    expect(await pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut)).toMatchObject({
        handled: 2,
        failedAttempts: 0,
        poisoned: 0,
    });
    const { audit } = await sharedServiceDependencies();
    for (const { requestId, receiver, reason } of requests) {
        const record = await audit.getRequest(requestId);
        if (!record || !['completed', 'partial', 'failed'].includes(record.state)) figures.lost++;
        expect(contradictions(record!, harness.simulator)).toEqual([]);
        expect(receiver.received).toEqual([expect.objectContaining({ requestId })]);
        const events = await audit.listEvents(requestId);
        expect(events[events.length - 1]).toMatchObject({
            type: 'callback-failed',
            detail: expect.stringMatching(reason),
        });
        expect(await audit.verifyTrail(requestId)).toMatchObject({ ok: true });
    }
});
