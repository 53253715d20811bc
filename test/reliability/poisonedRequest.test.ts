import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { sweepTimer } from '../../src/functions/sweepTimer';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { invocationContext, pumpQueue, sendQueueMessage } from '../support/hostEmulation';
import { SuiteFigures } from './support/figures';
import { persistentAzurite, type PersistentAzurite } from './support/persistentAzurite';
import { duplicateChanges, faultedCalls, successfulRevokes } from './support/simulatorEvidence';
import { contradictions } from './support/truthfulness';

/**
 * Table storage is down while the worker takes an ITSM request: every delivery fails before the request is claimed,
 * and the host moves the message to `<queue>-poison`. Once storage is back, the sweep claims the request and queues
 * it again, and it runs, once. The tables live in an Azurite of their own, stopped while the queue stays up.
 */
const { erin } = FIXTURE.users;
const TICKET = { system: 'servicenow', number: 'INC0088001' };
let location: string;
let tables: PersistentAzurite;
let harness: AppHarness;
const figures = new SuiteFigures('poisoned before it was claimed');

/** The shared Azurite's queues with the tables of `tableStorage`. */
function queuesWithTablesOf(tableStorage: string): string {
    const shared = process.env.AZURITE_CONNECTION_STRING as string;
    const tableEndpoint = tableStorage.split(';').find((part) => part.startsWith('TableEndpoint='));
    return shared
        .split(';')
        .map((part) => (part.startsWith('TableEndpoint=') ? (tableEndpoint as string) : part))
        .join(';');
}

beforeAll(async () => {
    location = mkdtempSync(path.join(os.tmpdir(), 'azurite-tables-'));
    tables = await persistentAzurite(location);
    await tables.start();
    harness = await startAppHarness({
        simulator: { reconnectDelayMs: 3_600_000 },
        settings: { AzureWebJobsStorage: queuesWithTablesOf(tables.connectionString) },
    });
    await sharedServiceDependencies(); // The tables exist before storage goes away.
});

afterAll(async () => {
    figures.faultsInjected = faultedCalls(harness.simulator.calls);
    figures.duplicatesExecuted = duplicateChanges(harness.simulator.calls);
    figures.print();
    await harness.close();
    await tables.stop();
    rmSync(location, { recursive: true, force: true });
});

it('claims and runs, once, a valid request that was poisoned before it was ever claimed', async () => {
    const storage = harness.settings.AzureWebJobsStorage as string;
    await sendQueueMessage(storage, harness.queueName, {
        users: [erin.userPrincipalName],
        reason: 'reliability: poisoned before the claim',
        ticket: TICKET,
        environments: ['SANDBOX'],
    });
    figures.requests = 1;

    await tables.stop();
    const whileDown = await pumpQueue(storage, harness.queueName, runQueuedSignOut);
    expect(whileDown).toMatchObject({ handled: 0, failedAttempts: 5, poisoned: 1 });
    expect(successfulRevokes(harness.simulator.calls).get(erin.id)).toBeUndefined();
    await tables.start();

    const timer = { isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
    await sweepTimer(timer as never, invocationContext('sweepTimer'));
    const poison = new QueueClient(storage, `${harness.queueName}-poison`);
    expect((await poison.peekMessages()).peekedMessageItems).toHaveLength(0);
    expect(await pumpQueue(storage, harness.queueName, runQueuedSignOut)).toMatchObject({ handled: 1, poisoned: 0 });

    const { audit } = await sharedServiceDependencies();
    const [summary] = (await audit.userHistory(erin.userPrincipalName)).items;
    const record = await audit.getRequest(summary!.requestId);
    expect(record).toMatchObject({ state: 'completed', ticketNumber: TICKET.number, source: 'queue' });
    if (record?.state !== 'completed') figures.lost++;
    expect(contradictions(record!, harness.simulator)).toEqual([]);
    const types = (await audit.listEvents(record!.requestId)).map((e) => e.type);
    expect(types.filter((type) => type === 'request-accepted')).toHaveLength(1);
    expect(types.filter((type) => type === 'resumed-from-poison')).toHaveLength(1);
    expect(types.filter((type) => type === 'attempt-started')).toHaveLength(1);
    expect(await audit.verifyTrail(record!.requestId)).toMatchObject({ ok: true });
    expect(successfulRevokes(harness.simulator.calls).get(erin.id)).toBe(1);
    figures.note('deliveries failed while the tables were down', whileDown.failedAttempts);
});
