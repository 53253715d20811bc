import { QueueClient } from '@azure/storage-queue';
import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { httpRequest, invocationContext, plain } from '../support/hostEmulation';
import { SuiteFigures } from './support/figures';
import { resumeAfterDeadWorker } from './support/resumeAfterDeadWorker';
import {
    duplicateChanges,
    faultedCalls,
    sessionsLeft,
    successfulRevokes,
    successfulSessionDeletes,
} from './support/simulatorEvidence';
import { spawnQueueWorker } from './support/spawnQueueWorker';
import { contradictions } from './support/truthfulness';
import { waitUntil } from './support/waitUntil';

/**
 * A worker process killed between steps (SIGKILL: no clean-up, the lease stays with the dead worker) is resumed by
 * a later delivery: the request completes, the audit shows both attempts, and no change is made twice.
 */
const { alice } = FIXTURE.users;
const REQUEST_ID = 'CRASH-1';
let harness: AppHarness;
const figures = new SuiteFigures('crash and resume');

beforeAll(async () => {
    harness = await startAppHarness({ simulator: { reconnectDelayMs: 3_600_000 } });
});

afterAll(async () => {
    figures.faultsInjected = faultedCalls(harness.simulator.calls);
    figures.duplicatesExecuted = duplicateChanges(harness.simulator.calls);
    figures.print();
    await harness.close();
});

it('resumes a request whose worker was killed after the revocation, repeating nothing', async () => {
    const simulator = harness.simulator;
    const accepted = plain(
        await acceptSignOut(
            httpRequest('POST', 'https://bc-signout.example/api/signouts', {
                body: { requestId: REQUEST_ID, users: [alice.userPrincipalName], reason: 'reliability: crash' },
            }),
            invocationContext('acceptSignOut'),
        ),
    );
    expect(accepted.status).toBe(202);
    figures.requests = 1;

    // A window between steps: the cancellations stay on the wire long enough to kill the worker meanwhile.
    const slowCancels = simulator.faults.add({
        service: 'bc-admin',
        method: 'DELETE',
        kind: 'latency',
        latencyMs: 4_000,
    });
    const queue = new QueueClient(harness.connectionString, harness.queueName);
    const [message] = (await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 300 }))
        .receivedMessageItems;
    if (!message) throw new Error('the accepted request was not queued');
    const worker = spawnQueueWorker(harness.settings, message.messageText, message.dequeueCount);
    await waitUntil(
        'a cancellation on the wire',
        20_000,
        () => simulator.callsTo('bc-admin', 'DELETE').some((call) => call.status === 0),
        () => `worker stderr: ${worker.stderr()}`,
    );
    expect(successfulRevokes(simulator.calls).get(alice.id)).toBe(1);
    expect(await worker.kill()).toBe('SIGKILL');

    // What was on the wire still reaches BC, as it would; then the host delivers the message again.
    simulator.faults.remove(slowCancels);
    await waitUntil('the dead worker’s calls to finish', 30_000, () => simulator.calls.every((c) => c.status !== 0));
    await queue.updateMessage(message.messageId, message.popReceipt, undefined, 0);
    const resumption = await resumeAfterDeadWorker(harness.connectionString, harness.queueName);

    // The lease of the dead worker (11 minutes) turned the host's four remaining deliveries away.
    expect(resumption.whileLeased).toMatchObject({ handled: 0, failedAttempts: 4, poisoned: 1 });
    expect(resumption.sweep.poisonResumed).toBe(1);
    expect(resumption.afterLease).toMatchObject({ handled: 1, failedAttempts: 0, poisoned: 0 });

    const { audit } = await sharedServiceDependencies();
    const record = await audit.getRequest(REQUEST_ID);
    expect(record?.state).toBe('completed');
    expect(contradictions(record!, simulator)).toEqual([]);
    if (record?.state !== 'completed') figures.lost++;

    const events = await audit.listEvents(REQUEST_ID);
    expect(events.filter((e) => e.type === 'attempt-started')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'resumed-from-poison')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'step-outcome' && e.step === `entra.revoke:${alice.id}`)).toHaveLength(1);
    expect(await audit.verifyTrail(REQUEST_ID)).toMatchObject({ ok: true });

    // One revocation, no session cancelled twice, none of alice's sessions left.
    expect(successfulRevokes(simulator.calls).get(alice.id)).toBe(1);
    expect([...successfulSessionDeletes(simulator.calls).values()].every((count) => count === 1)).toBe(true);
    for (const env of ['PRODUCTION', 'SANDBOX', 'UAT']) expect(sessionsLeft(simulator, env, alice.bcUserName)).toBe(0);
    figures.note('attempts', events.filter((e) => e.type === 'attempt-started').length);
});
