import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { mapWithConcurrency } from '../../src/core/concurrency';
import type { AuditEvent, RequestRecord } from '../../src/core/ports/auditStore';
import { FINAL_STATES } from '../../src/core/result';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { bulkFixture, bulkUserId, bulkUserPrincipalName } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { httpRequest, invocationContext, plain, sendQueueMessage, type PumpReport } from '../support/hostEmulation';
import { pumpConcurrently } from './support/concurrentPump';
import { SuiteFigures } from './support/figures';
import { duplicateChanges, successfulRevokes, successfulSessionDeletes } from './support/simulatorEvidence';

/**
 * 1,000 queued requests under load, 10% of them duplicates (the same request id posted twice over HTTP, the same
 * ServiceNow ticket sent twice), handled eight at a time: every request runs exactly once.
 */
const HTTP_REQUESTS = 450;
const TICKET_REQUESTS = 450;
const DUPLICATES_EACH = 50;
let harness: AppHarness;
const figures = new SuiteFigures('duplicates under load');

beforeAll(async () => {
    harness = await startAppHarness({
        simulator: { fixture: bulkFixture(HTTP_REQUESTS + TICKET_REQUESTS, 1, 1), reconnectDelayMs: 3_600_000 },
    });
});

afterAll(async () => {
    figures.print();
    await harness.close();
});

/** One user per request, so the simulator's evidence per user is evidence per request. */
const httpBody = (n: number) => ({
    requestId: `DUP-HTTP-${n}`,
    users: [bulkUserPrincipalName(n)],
    reason: 'reliability: duplicates',
    environments: ['PRODUCTION'],
    watchMinutes: 0,
    dryRun: false,
});

const ticketMessage = (n: number) => ({
    users: [bulkUserPrincipalName(n)],
    reason: 'reliability: duplicates',
    ticket: { system: 'servicenow', number: `INC${String(n).padStart(7, '0')}` },
    environments: ['PRODUCTION'],
    watchMinutes: 0,
    dryRun: false,
});

async function post(body: unknown) {
    return plain(
        await acceptSignOut(
            httpRequest('POST', 'https://bc-signout.example/api/signouts', { body }),
            invocationContext('acceptSignOut'),
        ),
    );
}

async function everyRecordAndItsEvents(): Promise<{ record: RequestRecord; events: AuditEvent[] }[]> {
    const { audit } = await sharedServiceDependencies();
    const lines: string[] = [];
    for await (const line of audit.exportRange(new Date(Date.now() - 3_600_000), new Date(Date.now() + 60_000)))
        lines.push(line);
    return lines.map((line) => JSON.parse(line) as { record: RequestRecord; events: AuditEvent[] });
}

it('runs each of 1,000 queued requests, 10% duplicates, exactly once', async () => {
    const httpUsers = Array.from({ length: HTTP_REQUESTS }, (_, i) => i + 1);
    const ticketUsers = Array.from({ length: TICKET_REQUESTS }, (_, i) => HTTP_REQUESTS + i + 1);
    const duplicatedHttp = new Set(httpUsers.filter((n) => n % 9 === 0).slice(0, DUPLICATES_EACH));
    const duplicatedTickets = ticketUsers.filter((n) => n % 9 === 0).slice(0, DUPLICATES_EACH);

    // HTTP: a duplicate posted right after its original, while it is still queued, is queued once more.
    const answers = await mapWithConcurrency(httpUsers, 4, async (n) => {
        const first = await post(httpBody(n));
        const again = duplicatedHttp.has(n) ? await post(httpBody(n)) : undefined;
        return { first, again };
    });
    expect(answers.every(({ first }) => first.status === 202)).toBe(true);
    expect(
        answers.filter(({ again }) => again?.status === 202 && (again.body as { duplicate: boolean }).duplicate),
    ).toHaveLength(DUPLICATES_EACH);

    // Tickets: half of the duplicates right behind the original, half at the end of the queue.
    const messages = ticketUsers.flatMap((n) => {
        const index = duplicatedTickets.indexOf(n);
        return index >= 0 && index % 2 === 0 ? [ticketMessage(n), ticketMessage(n)] : [ticketMessage(n)];
    });
    messages.push(...duplicatedTickets.filter((_, index) => index % 2 === 1).map(ticketMessage));
    await mapWithConcurrency(messages, 8, (message) =>
        sendQueueMessage(harness.connectionString, harness.queueName, message),
    );
    const queued = HTTP_REQUESTS + DUPLICATES_EACH + messages.length;
    expect(queued).toBe(1000);

    const pumped: PumpReport = await pumpConcurrently(harness.connectionString, harness.queueName, runQueuedSignOut, {
        concurrency: 8,
        timeoutInMs: 240_000,
    });
    expect(pumped.poisoned).toBe(0);

    const requests = (await everyRecordAndItsEvents()).filter(({ record }) => record.state !== 'rejected');
    expect(requests).toHaveLength(HTTP_REQUESTS + TICKET_REQUESTS);
    const count = (events: AuditEvent[], type: string) => events.filter((event) => event.type === type).length;
    const notFinal = requests.filter(({ record }) => !FINAL_STATES.includes(record.state));
    const notCompleted = requests.filter(({ record }) => record.state !== 'completed');
    const startedTwice = requests.filter(({ events }) => count(events, 'attempt-started') !== 1);
    const finishedTwice = requests.filter(({ events }) => count(events, 'request-finished') !== 1);
    expect(notFinal.map(({ record }) => record.requestId)).toEqual([]);
    expect(notCompleted.map(({ record }) => `${record.requestId}=${record.state}`)).toEqual([]);
    expect(startedTwice.map(({ record }) => record.requestId)).toEqual([]);
    expect(finishedTwice.map(({ record }) => record.requestId)).toEqual([]);

    // The simulator's side: each user revoked once, each session cancelled once.
    const revokes = successfulRevokes(harness.simulator.calls);
    const users = [...httpUsers, ...ticketUsers];
    expect(users.filter((n) => revokes.get(bulkUserId(n)) !== 1)).toEqual([]);
    const deletes = successfulSessionDeletes(harness.simulator.calls);
    expect(deletes.size).toBe(users.length);
    expect([...deletes.values()].every((times) => times === 1)).toBe(true);

    figures.requests = queued;
    figures.lost = notFinal.length;
    figures.duplicatesExecuted = duplicateChanges(harness.simulator.calls) + startedTwice.length;
    figures.note('distinct requests', requests.length);
    figures.note('duplicate messages', queued - requests.length);
    figures.note('deliveries refused (busy) and retried', pumped.failedAttempts);
});
