import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import type { RequestRecord } from '../../src/core/ports/auditStore';
import { mapWithConcurrency } from '../../src/core/concurrency';
import { FINAL_STATES } from '../../src/core/result';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import {
    bulkFixture,
    bulkUserId,
    bulkUserName,
    bulkUserPrincipalName,
    type FaultRule,
    type RecordedCall,
} from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { httpRequest, invocationContext, plain, pumpQueue, type PumpReport } from '../support/hostEmulation';
import { pumpConcurrently } from './support/concurrentPump';
import { SuiteFigures } from './support/figures';
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
 * Remote failures injected at the simulator: every request still ends in a status the simulator confirms, none is
 * left unfinished after the host's deliveries, and no change is made twice.
 */
const USERS_PER_CASE = 4;
const CASES = 9;
/** Requests of one user each, accepted together and run four at a time under random faults. */
const BURST_REQUESTS = 40;
const ENVIRONMENTS = ['PRODUCTION', 'SANDBOX', 'UAT'];
let harness: AppHarness;
const figures = new SuiteFigures('faults');
const accepted: string[] = [];

beforeAll(async () => {
    harness = await startAppHarness({
        // Reconnects are the sweep's business: an hour keeps cancelled sessions from coming back during the file.
        simulator: { fixture: bulkFixture(USERS_PER_CASE * CASES + BURST_REQUESTS, 3, 2), reconnectDelayMs: 3_600_000 },
        settings: { HTTP_TIMEOUT_MS: '1000' },
    });
});

afterAll(async () => {
    const { audit } = await sharedServiceDependencies();
    for (const requestId of accepted) {
        const record = await audit.getRequest(requestId);
        if (!record || !FINAL_STATES.includes(record.state)) figures.lost++;
    }
    figures.requests = accepted.length;
    figures.faultsInjected = faultedCalls(harness.simulator.calls);
    figures.duplicatesExecuted = duplicateChanges(harness.simulator.calls);
    figures.print();
    await harness.close();
});

afterEach(() => harness.simulator.faults.clear());

/** The users of one case, numbered from 1 in the bulk fixture: each case has its own, so evidence does not mix. */
const usersOf = (caseNumber: number) =>
    Array.from({ length: USERS_PER_CASE }, (_, i) => caseNumber * USERS_PER_CASE + i + 1);

async function accept(body: { requestId: string } & Record<string, unknown>): Promise<void> {
    const response = plain(
        await acceptSignOut(
            httpRequest('POST', 'https://bc-signout.example/api/signouts', { body }),
            invocationContext('acceptSignOut'),
        ),
    );
    expect(response.status).toBe(202);
    accepted.push(body.requestId);
}

interface CaseRun {
    record: RequestRecord;
    pumped: PumpReport;
    /** What the simulator saw during this case. */
    calls: RecordedCall[];
}

/** Accepts a request over HTTP with the faults in place, pumps it like the host, and reads the final record. */
async function runCase(caseNumber: number, faults: FaultRule[]): Promise<CaseRun> {
    for (const rule of faults) harness.simulator.faults.add(rule);
    const firstCall = harness.simulator.calls.length;
    const requestId = `FAULTS-${caseNumber}`;
    const body = {
        requestId,
        users: usersOf(caseNumber).map(bulkUserPrincipalName),
        reason: `reliability: faults case ${caseNumber}`,
        watchMinutes: 0,
    };
    await accept(body);
    const pumped = await pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut);
    const record = await (await sharedServiceDependencies()).audit.getRequest(requestId);
    if (!record) throw new Error(`${requestId} is unknown after pumping`);
    const calls = harness.simulator.calls.slice(firstCall);
    figures.note(`faulted calls in case ${caseNumber}`, faultedCalls(calls));
    return { record, pumped, calls };
}

/** The common verdict: final, truthful, each user revoked once and each session cancelled at most once. */
function expectFinalTruthfulAndOnce(run: CaseRun, caseNumber: number): void {
    expect(faultedCalls(run.calls)).toBeGreaterThan(0);
    expect(FINAL_STATES).toContain(run.record.state);
    expect(run.pumped.poisoned).toBe(0);
    expect(contradictions(run.record, harness.simulator)).toEqual([]);
    const revokes = successfulRevokes(harness.simulator.calls);
    for (const n of usersOf(caseNumber)) expect(revokes.get(bulkUserId(n))).toBe(1);
    expect([...successfulSessionDeletes(harness.simulator.calls).values()].every((count) => count === 1)).toBe(true);
}

const sessionsOfCase = (caseNumber: number) =>
    usersOf(caseNumber).reduce(
        (sum, n) => sum + ENVIRONMENTS.reduce((s, env) => s + sessionsLeft(harness.simulator, env, bulkUserName(n)), 0),
        0,
    );

describe('remote faults', () => {
    it('rides out a Graph 429 storm, honouring Retry-After, handing the request on instead of spending deliveries', async () => {
        const run = await runCase(0, [
            // Longer than one attempt's five tries: the request is handed on to a later message.
            { service: 'graph', path: /revokeSignInSessions$/, kind: 'throttle', retryAfterSeconds: 1, times: 24 },
            {
                service: 'graph',
                method: 'GET',
                path: /^\/v1\.0\/users\//,
                kind: 'throttle',
                retryAfterSeconds: 1,
                times: 4,
            },
        ]);
        expectFinalTruthfulAndOnce(run, 0);
        expect(run.record.state).toBe('completed');
        expect(run.pumped.failedAttempts).toBe(0);
        const { audit } = await sharedServiceDependencies();
        const events = await audit.listEvents(run.record.requestId);
        expect(events.filter((event) => event.type === 'attempt-continued').length).toBeGreaterThanOrEqual(1);
        expect(harness.simulator.calls.filter((c) => c.status === 429).length).toBeGreaterThanOrEqual(28);
    });

    it('recovers from 5xx bursts on Graph and Business Central', async () => {
        const run = await runCase(1, [
            {
                service: 'graph',
                path: /^\/v1\.0\/\$batch$/,
                kind: 'status',
                status: 503,
                retryAfterSeconds: 1,
                times: 2,
            },
            { service: 'graph', path: /revokeSignInSessions$/, kind: 'status', status: 500, times: 3 },
            { service: 'bc-admin', method: 'GET', path: /\/sessions$/, kind: 'status', status: 500, times: 3 },
            { service: 'bc-automation', kind: 'status', status: 502, times: 2 },
        ]);
        expectFinalTruthfulAndOnce(run, 1);
        expect(run.record.state).toBe('completed');
        expect(sessionsOfCase(1)).toBe(0);
    });

    it('retries dropped connections that never reached the service', async () => {
        const run = await runCase(2, [
            { service: 'graph', path: /^\/v1\.0\/\$batch$/, kind: 'drop', times: 2 },
            { service: 'bc-admin', method: 'DELETE', kind: 'drop', times: 3 },
            { service: 'bc-automation', path: /\/users$/, kind: 'drop', times: 1 },
        ]);
        expectFinalTruthfulAndOnce(run, 2);
        expect(run.record.state).toBe('completed');
        expect(run.calls.filter((c) => c.faults?.includes('drop'))).toHaveLength(6);
        expect(sessionsOfCase(2)).toBe(0);
    });

    it('retries calls slower than HTTP_TIMEOUT_MS without cancelling a session twice', async () => {
        const run = await runCase(3, [
            { service: 'bc-admin', method: 'DELETE', kind: 'latency', latencyMs: 1_500, times: 3 },
            { service: 'bc-admin', method: 'GET', path: /\/sessions$/, kind: 'latency', latencyMs: 1_500, times: 1 },
            { service: 'graph', method: 'GET', path: /^\/v1\.0\/users\//, kind: 'latency', latencyMs: 1_500, times: 1 },
        ]);
        expectFinalTruthfulAndOnce(run, 3);
        expect(run.record.state).toBe('completed');
        // The timed-out DELETEs still reach BC, late: one of each pair meets the session gone.
        await waitUntil('the timed-out calls to reach BC', 5_000, () => run.calls.every((c) => c.status !== 0));
        expect(run.calls.filter((c) => c.method === 'DELETE' && c.status === 404).length).toBeGreaterThanOrEqual(1);
        expect(sessionsOfCase(3)).toBe(0);
    });

    it('honours Business Central admin 429 and 503 with Retry-After', async () => {
        const run = await runCase(4, [
            {
                service: 'bc-admin',
                method: 'GET',
                path: /\/sessions$/,
                kind: 'throttle',
                retryAfterSeconds: 1,
                times: 2,
            },
            { service: 'bc-admin', method: 'DELETE', kind: 'status', status: 503, retryAfterSeconds: 1, times: 2 },
            { service: 'bc-admin', path: /\/environments$/, kind: 'throttle', retryAfterSeconds: 1, times: 1 },
        ]);
        expectFinalTruthfulAndOnce(run, 4);
        expect(run.record.state).toBe('completed');
        expect(sessionsOfCase(4)).toBe(0);
    });

    it('finishes as partial on the last delivery when one environment stays down, and says which', async () => {
        const run = await runCase(5, [
            {
                service: 'bc-admin',
                path: /\/environments\/SANDBOX(\/|$)/,
                kind: 'status',
                status: 503,
                retryAfterSeconds: 0,
            },
            {
                service: 'bc-automation',
                path: /^\/v2\.0\/SANDBOX\//,
                kind: 'status',
                status: 503,
                retryAfterSeconds: 0,
            },
        ]);
        expectFinalTruthfulAndOnce(run, 5);
        expect(run.record.state).toBe('partial');
        expect(run.pumped).toMatchObject({ handled: 1, failedAttempts: 4 });
        const users = run.record.result?.users ?? [];
        for (const user of users) {
            const status = (system: string) => user.systems.find((s) => s.system === system)?.status;
            expect(status('bc.SANDBOX.sessions')).toBe('failed');
            expect(status('bc.PRODUCTION.sessions')).toBe('succeeded');
            expect(status('entra.revoke')).toBe('succeeded');
        }
        for (const n of usersOf(5)) {
            expect(sessionsLeft(harness.simulator, 'SANDBOX', bulkUserName(n))).toBe(2);
            expect(sessionsLeft(harness.simulator, 'PRODUCTION', bulkUserName(n))).toBe(0);
        }
        const events = await (await sharedServiceDependencies()).audit.listEvents('FAULTS-5');
        expect(events.filter((e) => e.type === 'attempt-started')).toHaveLength(5);
        expect(events.filter((e) => e.type === 'attempt-incomplete')).toHaveLength(4);
    });

    it('survives a mix of every fault at a steady rate', async () => {
        const run = await runCase(6, [
            { service: 'graph', kind: 'throttle', retryAfterSeconds: 1, rate: 0.2, times: 6 },
            { service: 'bc-admin', kind: 'status', status: 503, retryAfterSeconds: 1, rate: 0.2, times: 6 },
            { service: 'bc-admin', method: 'DELETE', kind: 'drop', rate: 0.2, times: 3 },
            { service: 'bc-automation', kind: 'latency', latencyMs: 1_500, rate: 0.3, times: 2 },
        ]);
        expectFinalTruthfulAndOnce(run, 6);
        expect(run.record.state).toBe('completed');
        expect(sessionsOfCase(6)).toBe(0);
    });

    it('retries listings cut short mid-body instead of reading them as fewer sessions or users', async () => {
        const run = await runCase(7, [
            { service: 'bc-admin', method: 'GET', path: /\/sessions$/, kind: 'truncate', times: 2 },
            { service: 'bc-automation', path: /\/users$/, kind: 'truncate', times: 1 },
        ]);
        expectFinalTruthfulAndOnce(run, 7);
        expect(run.record.state).toBe('completed');
        expect(run.calls.filter((c) => c.faults?.includes('truncate'))).toHaveLength(3);
        expect(sessionsOfCase(7)).toBe(0);
    });

    it('fails an environment whose listing is always cut short, never reporting it without sessions', async () => {
        const run = await runCase(8, [
            { service: 'bc-admin', method: 'GET', path: /\/environments\/SANDBOX\/sessions$/, kind: 'truncate' },
        ]);
        expectFinalTruthfulAndOnce(run, 8);
        expect(run.record.state).toBe('partial');
        for (const user of run.record.result?.users ?? []) {
            const step = (system: string) => user.systems.find((s) => s.system === system);
            expect(step('bc.SANDBOX.sessions')).toMatchObject({ status: 'failed', code: 'connection-failed' });
            expect(step('bc.PRODUCTION.sessions')?.status).toBe('succeeded');
        }
        expect(run.record.result?.environments.find((env) => env.name === 'SANDBOX')?.status).toBe('failed');
        for (const n of usersOf(8)) expect(sessionsLeft(harness.simulator, 'SANDBOX', bulkUserName(n))).toBe(2);
    });

    it('keeps 40 concurrent requests truthful under random faults at every service', async () => {
        // Faults that stop a call before the service acts, or (DELETE) leave a late duplicate the service answers 404.
        const rules: FaultRule[] = [
            { service: 'graph', path: /^\/v1\.0\/\$batch$/, kind: 'throttle', retryAfterSeconds: 1, rate: 0.1 },
            { service: 'graph', path: /^\/v1\.0\/\$batch$/, kind: 'drop', rate: 0.05 },
            { service: 'graph', path: /revokeSignInSessions$/, kind: 'throttle', retryAfterSeconds: 1, rate: 0.2 },
            { service: 'graph', method: 'GET', path: /^\/v1\.0\/users\//, kind: 'status', status: 503, rate: 0.1 },
            { service: 'bc-admin', path: /\/environments$/, kind: 'throttle', retryAfterSeconds: 1, rate: 0.1 },
            { service: 'bc-admin', method: 'GET', path: /\/sessions$/, kind: 'status', status: 503, rate: 0.15 },
            { service: 'bc-admin', method: 'DELETE', kind: 'latency', latencyMs: 1_500, rate: 0.1 },
            { service: 'bc-admin', method: 'DELETE', kind: 'drop', rate: 0.1 },
            { service: 'bc-admin', method: 'DELETE', kind: 'throttle', retryAfterSeconds: 1, rate: 0.1 },
            { service: 'bc-automation', kind: 'status', status: 502, rate: 0.1 },
        ];
        for (const rule of rules) harness.simulator.faults.add(rule);
        const firstCall = harness.simulator.calls.length;
        const users = Array.from({ length: BURST_REQUESTS }, (_, i) => USERS_PER_CASE * CASES + i + 1);
        await mapWithConcurrency(users, 4, (n) =>
            accept({
                requestId: `FAULTS-BURST-${n}`,
                users: [bulkUserPrincipalName(n)],
                reason: 'reliability: burst under faults',
                watchMinutes: 0,
            }),
        );
        const pumped = await pumpConcurrently(harness.connectionString, harness.queueName, runQueuedSignOut, {
            concurrency: 4,
            timeoutInMs: 200_000,
        });
        expect(pumped.poisoned).toBe(0);

        const { audit } = await sharedServiceDependencies();
        const records = await Promise.all(users.map((n) => audit.getRequest(`FAULTS-BURST-${n}`)));
        expect(records.filter((record) => !record || !FINAL_STATES.includes(record.state))).toEqual([]);
        expect(records.flatMap((record) => contradictions(record!, harness.simulator))).toEqual([]);
        const revokes = successfulRevokes(harness.simulator.calls);
        for (const [index, n] of users.entries()) {
            const revoked = records[index]?.result?.users[0]?.systems.some(
                (s) => s.system === 'entra.revoke' && s.status === 'succeeded',
            );
            expect(`${n}: ${revokes.get(bulkUserId(n)) ?? 0}`).toBe(`${n}: ${revoked ? 1 : 0}`);
        }
        expect([...successfulSessionDeletes(harness.simulator.calls).values()].every((count) => count === 1)).toBe(
            true,
        );
        const states = records.map((record) => record!.state);
        const tally = (state: string) => states.filter((s) => s === state).length;
        figures.note(
            'burst: completed / partial / failed',
            `${tally('completed')} / ${tally('partial')} / ${tally('failed')}`,
        );
        figures.note('burst: faulted calls', faultedCalls(harness.simulator.calls.slice(firstCall)));
        figures.note('burst: deliveries retried', pumped.failedAttempts);
    });
});
