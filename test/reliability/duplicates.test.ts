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
import {
    duplicateChanges,
    faultedCalls,
    successfulRevokes,
    successfulSessionDeletes,
} from './support/simulatorEvidence';

/**
 * 1,000 queued messages under load, handled eight at a time, with duplicates: the same request id posted twice over
 * HTTP (queued once), the same ServiceNow ticket sent twice, and the same message without requestId or ticket sent
 * twice, whose first deliveries meet transient faults and are delivered again. Every request runs exactly once.
 */
const HTTP_REQUESTS = 400;
const TICKET_REQUESTS = 400;
const IDLESS_REQUESTS = 100;
const DUPLICATES_EACH = 50;
let harness: AppHarness;
const figures = new SuiteFigures('duplicates under load');

beforeAll(async () => {
    harness = await startAppHarness({
        simulator: {
            fixture: bulkFixture(HTTP_REQUESTS + TICKET_REQUESTS + IDLESS_REQUESTS, 1, 1),
            reconnectDelayMs: 3_600_000,
        },
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

/** A message an ITSM tool sends without requestId or ticket: its id comes from its content. */
const idlessMessage = (n: number) => ({
    users: [bulkUserPrincipalName(n)],
    reason: 'reliability: duplicates without an id',
    environments: ['PRODUCTION'],
    watchMinutes: 0,
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

it('runs each of 1,000 queued messages, duplicates and redeliveries among them, exactly once', async () => {
    const httpUsers = Array.from({ length: HTTP_REQUESTS }, (_, i) => i + 1);
    const ticketUsers = Array.from({ length: TICKET_REQUESTS }, (_, i) => HTTP_REQUESTS + i + 1);
    const idlessUsers = Array.from({ length: IDLESS_REQUESTS }, (_, i) => HTTP_REQUESTS + TICKET_REQUESTS + i + 1);
    const duplicatedHttp = new Set(httpUsers.filter((n) => n % 8 === 0).slice(0, DUPLICATES_EACH));
    const duplicatedTickets = ticketUsers.filter((n) => n % 8 === 0).slice(0, DUPLICATES_EACH);
    const duplicatedIdless = idlessUsers.filter((n) => n % 2 === 0).slice(0, DUPLICATES_EACH);

    // HTTP: a duplicate posted right after its original, while it is still queued, is not queued again.
    const answers = await mapWithConcurrency(httpUsers, 4, async (n) => {
        const first = await post(httpBody(n));
        const again = duplicatedHttp.has(n) ? await post(httpBody(n)) : undefined;
        return { first, again };
    });
    expect(answers.every(({ first }) => first.status === 202)).toBe(true);
    expect(
        answers.filter(({ again }) => again?.status === 202 && (again.body as { duplicate: boolean }).duplicate),
    ).toHaveLength(DUPLICATES_EACH);

    // Queue messages: half of the duplicates right behind the original, half at the end of the queue.
    const withDuplicates = <T>(users: number[], duplicated: number[], message: (n: number) => T): T[] => {
        const messages = users.flatMap((n) => {
            const index = duplicated.indexOf(n);
            return index >= 0 && index % 2 === 0 ? [message(n), message(n)] : [message(n)];
        });
        return [...messages, ...duplicated.filter((_, index) => index % 2 === 1).map(message)];
    };
    const messages = [
        ...withDuplicates(ticketUsers, duplicatedTickets, ticketMessage),
        ...withDuplicates(idlessUsers, duplicatedIdless, idlessMessage),
    ];
    // Transient faults on the id-less requests: the first deliveries fail after claiming and are delivered again.
    // However the user is named in the call: by object id, or by UPN when revoked with the look-up.
    const names = idlessUsers.flatMap((n) => [bulkUserId(n), bulkUserPrincipalName(n)]);
    const idless = new RegExp(`^/v1\\.0/users/(${names.join('|')})/revokeSignInSessions$`);
    harness.simulator.faults.add({
        service: 'graph',
        path: idless,
        kind: 'throttle',
        retryAfterSeconds: 0,
        times: IDLESS_REQUESTS * 5,
    });
    await mapWithConcurrency(messages, 8, (message) =>
        sendQueueMessage(harness.connectionString, harness.queueName, message),
    );
    const queued = HTTP_REQUESTS + messages.length;
    expect(queued).toBe(1000);

    const pumped: PumpReport = await pumpConcurrently(harness.connectionString, harness.queueName, runQueuedSignOut, {
        concurrency: 8,
        timeoutInMs: 240_000,
    });
    expect(pumped.poisoned).toBe(0);
    expect(faultedCalls(harness.simulator.calls)).toBeGreaterThan(0);
    expect(pumped.failedAttempts).toBeGreaterThan(0);

    const requests = (await everyRecordAndItsEvents()).filter(({ record }) => record.state !== 'rejected');
    expect(requests).toHaveLength(HTTP_REQUESTS + TICKET_REQUESTS + IDLESS_REQUESTS);
    const count = (events: AuditEvent[], type: string) => events.filter((event) => event.type === type).length;
    const notFinal = requests.filter(({ record }) => !FINAL_STATES.includes(record.state));
    const notCompleted = requests.filter(({ record }) => record.state !== 'completed');
    const finishedTwice = requests.filter(({ events }) => count(events, 'request-finished') !== 1);
    expect(notFinal.map(({ record }) => record.requestId)).toEqual([]);
    expect(notCompleted.map(({ record }) => `${record.requestId}=${record.state}`)).toEqual([]);
    expect(finishedTwice.map(({ record }) => record.requestId)).toEqual([]);
    // Without faults, one attempt each; the id-less ones were resumed under the id their content gives them.
    const unfaulted = requests.filter(({ record }) => !record.requestId.startsWith('msg-'));
    const startedTwice = unfaulted.filter(({ events }) => count(events, 'attempt-started') !== 1);
    expect(startedTwice.map(({ record }) => record.requestId)).toEqual([]);
    const resumed = requests.filter(
        ({ record, events }) => record.requestId.startsWith('msg-') && count(events, 'attempt-started') > 1,
    );
    expect(resumed.length).toBeGreaterThan(0);
    expect(requests.filter(({ record }) => record.requestId.startsWith('msg-'))).toHaveLength(IDLESS_REQUESTS);

    // The simulator's side: each user revoked once, each session cancelled once.
    const revokes = successfulRevokes(harness.simulator.calls);
    const users = [...httpUsers, ...ticketUsers, ...idlessUsers];
    expect(users.filter((n) => revokes.get(bulkUserId(n)) !== 1)).toEqual([]);
    const deletes = successfulSessionDeletes(harness.simulator.calls);
    expect(deletes.size).toBe(users.length);
    expect([...deletes.values()].every((times) => times === 1)).toBe(true);

    figures.requests = queued;
    figures.lost = notFinal.length;
    figures.duplicatesExecuted = duplicateChanges(harness.simulator.calls) + startedTwice.length + finishedTwice.length;
    figures.faultsInjected = faultedCalls(harness.simulator.calls);
    figures.note('distinct requests', requests.length);
    figures.note('duplicate submissions', queued + DUPLICATES_EACH - requests.length);
    figures.note('id-less requests resumed after a transient fault', resumed.length);
    figures.note('deliveries refused (busy or transient) and retried', pumped.failedAttempts);
});
