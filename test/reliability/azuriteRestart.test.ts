import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { decodeHostMessage, httpRequest, invocationContext, plain } from '../support/hostEmulation';
import { SuiteFigures } from './support/figures';
import { persistentAzurite, type PersistentAzurite } from './support/persistentAzurite';
import { resumeAfterDeadWorker } from './support/resumeAfterDeadWorker';
import {
    duplicateChanges,
    faultedCalls,
    sessionsLeft,
    successfulRevokes,
    successfulSessionDeletes,
} from './support/simulatorEvidence';
import { contradictions } from './support/truthfulness';
import { waitUntil } from './support/waitUntil';

/**
 * Storage (Azurite, kept on disk) stops in the middle of a request and comes back on the same ports: the attempt
 * fails, the queue message is delivered again, and the request still ends truthfully, with nothing done twice.
 * This file's app uses its own Azurite: the shared in-memory one would lose everything on a restart.
 */
const { hank } = FIXTURE.users;
const REQUEST_ID = 'AZURITE-RESTART-1';
/** Short, so the message is visible again by the time storage is back, as the host would find it. */
const VISIBILITY_IN_SECONDS = 5;
let location: string;
let azurite: PersistentAzurite;
let harness: AppHarness;
const figures = new SuiteFigures('storage stopped and restarted');

beforeAll(async () => {
    location = mkdtempSync(path.join(os.tmpdir(), 'azurite-restart-'));
    azurite = await persistentAzurite(location);
    await azurite.start();
    harness = await startAppHarness({
        simulator: { reconnectDelayMs: 3_600_000 },
        settings: { AzureWebJobsStorage: azurite.connectionString },
    });
});

afterAll(async () => {
    figures.faultsInjected = faultedCalls(harness.simulator.calls);
    figures.duplicatesExecuted = duplicateChanges(harness.simulator.calls);
    figures.print();
    await harness.close();
    await azurite.stop();
    rmSync(location, { recursive: true, force: true });
});

it('ends a request truthfully after storage went away mid-request and came back', async () => {
    const simulator = harness.simulator;
    const accepted = plain(
        await acceptSignOut(
            httpRequest('POST', 'https://bc-signout.example/api/signouts', {
                body: { requestId: REQUEST_ID, users: [hank.userPrincipalName], reason: 'reliability: storage' },
            }),
            invocationContext('acceptSignOut'),
        ),
    );
    expect(accepted.status).toBe(202);
    figures.requests = 1;

    // A window: cancellations take 3 s, during which storage goes away.
    simulator.faults.add({ service: 'bc-admin', method: 'DELETE', kind: 'latency', latencyMs: 3_000, times: 8 });
    const queue = new QueueClient(azurite.connectionString, harness.queueName);
    const [message] = (await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: VISIBILITY_IN_SECONDS }))
        .receivedMessageItems;
    if (!message) throw new Error('the accepted request was not queued');
    const attempt = runQueuedSignOut(
        decodeHostMessage(message.messageText),
        invocationContext('runQueuedSignOut', { dequeueCount: message.dequeueCount }),
    ).then(
        () => 'finished',
        (error: unknown) => (error instanceof Error ? error.name : 'thrown'),
    );
    await waitUntil('a cancellation on the wire', 20_000, () =>
        simulator.callsTo('bc-admin', 'DELETE').some((call) => call.status === 0),
    );
    await azurite.stop();
    // The attempt cannot journal its cancellations nor release its lease: it fails and the host will retry.
    expect(await attempt).toBe('TransientServiceError');
    await azurite.start();

    const resumption = await resumeAfterDeadWorker(azurite.connectionString, harness.queueName);
    const { audit } = await sharedServiceDependencies();
    const record = await audit.getRequest(REQUEST_ID);
    expect(record?.state).toBe('completed');
    if (record?.state !== 'completed') figures.lost++;
    expect(contradictions(record!, simulator)).toEqual([]);
    expect(resumption.afterLease).toMatchObject({ handled: 1, poisoned: 0 });

    const events = await audit.listEvents(REQUEST_ID);
    expect(events.filter((e) => e.type === 'attempt-started')).toHaveLength(2);
    expect(await audit.verifyTrail(REQUEST_ID)).toMatchObject({ ok: true });
    expect(successfulRevokes(simulator.calls).get(hank.id)).toBe(1);
    expect([...successfulSessionDeletes(simulator.calls).values()].every((count) => count === 1)).toBe(true);
    for (const env of ['PRODUCTION', 'SANDBOX']) expect(sessionsLeft(simulator, env, hank.bcUserName)).toBe(0);
    figures.note('deliveries refused while the lease held', resumption.whileLeased.failedAttempts);
    figures.note('resumed from the poison queue by the sweep', resumption.sweep.poisonResumed);
});
