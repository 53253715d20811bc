import { main } from '../../src/cli/main';
import { SWEEP_LEASE_IN_MS } from '../../src/composition/leases';
import { createServiceDependencies, sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { readConfig } from '../../src/config';
import { GuardUnavailableError, ProtectedEntryError } from '../../src/core/guard/guardErrors';
import { acceptRequest } from '../../src/core/service/acceptRequest';
import { previewRequest } from '../../src/core/service/previewRequest';
import { processRequest } from '../../src/core/service/processRequest';
import { receiveQueueMessage } from '../../src/core/service/receiveQueueMessage';
import type { ServiceDependencies } from '../../src/core/service/serviceDependencies';
import { runSweep } from '../../src/core/service/sweep';
import type { SignOutResult } from '../../src/core/result';
import { FINAL_STATES } from '../../src/core/result';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { previewSignOut } from '../../src/functions/previewSignOut';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { sweepTimer } from '../../src/functions/sweepTimer';
import { FIXTURE, type RecordedCall } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { httpRequest, invocationContext, plain, pumpQueue, sendQueueMessage } from '../support/hostEmulation';
import { memoryIo } from '../unit/cli/memoryIo';
import { SuiteFigures } from './support/figures';
import { duplicateChanges, sessionsLeft } from './support/simulatorEvidence';

/**
 * Protected accounts (break-glass on PROTECTED_USERS, carol through a protected group, ivan as a privileged
 * directory role holder through a role-assignable group) are never changed on any path: HTTP, preview, the ITSM
 * queue, the CLI and the sweep, even when the request asks for everything, and not while the guard cannot be
 * evaluated (Graph failing) or is misconfigured (a mistyped entry).
 */
const { breakglass, carol, dan, hank, ivan, erin } = FIXTURE.users;
const PROTECTED = [breakglass, carol, ivan];
const EVERYTHING = { blockSignIn: { mode: 'permanent' }, disableBcUser: { mode: 'permanent' } };
let harness: AppHarness;
const figures = new SuiteFigures('protected accounts');
const requestIds: string[] = [];
/** Session ids the protected users had, or were given, during the file: none may ever be deleted. */
const protectedSessionIds = new Set<number>();

beforeAll(async () => {
    harness = await startAppHarness({ simulator: { reconnectDelayMs: 3_600_000 } });
    harness.simulator.addSession('PRODUCTION', ivan.bcUserName);
    rememberProtectedSessions();
});

afterAll(async () => {
    const { audit } = await sharedServiceDependencies();
    for (const requestId of requestIds) {
        const record = await audit.getRequest(requestId);
        if (!record || !FINAL_STATES.includes(record.state)) figures.lost++;
    }
    figures.requests = requestIds.length;
    figures.duplicatesExecuted = duplicateChanges(harness.simulator.calls);
    figures.note('changes to protected accounts', changesToProtected().length);
    figures.print();
    await harness.close();
});

function rememberProtectedSessions(): void {
    for (const env of harness.simulator.state.environments)
        for (const session of env.sessions)
            if (PROTECTED.some((user) => user.bcUserName === session.userId))
                protectedSessionIds.add(session.sessionId);
}

/** Any call that would change a protected account, whatever it was answered. */
function changesToProtected(): RecordedCall[] {
    const keys = PROTECTED.flatMap((user) => [user.id, user.userPrincipalName.toLowerCase()]);
    const bcUserIds = harness.simulator.state.environments.flatMap((env) =>
        env.users.filter((u) => PROTECTED.some((p) => p.bcUserName === u.userName)).map((u) => u.userSecurityId),
    );
    return harness.simulator.calls.filter((call) => {
        if (call.service === 'graph' && call.method !== 'GET' && !call.path.endsWith('checkMemberGroups'))
            return keys.some((key) => call.path.toLowerCase().includes(key));
        if (call.service === 'bc-admin' && call.method === 'DELETE')
            return protectedSessionIds.has(Number(call.path.split('/').at(-1)));
        if (call.service === 'bc-automation' && call.method !== 'GET')
            return bcUserIds.some((id) => call.path.includes(id));
        return false;
    });
}

function expectProtectedUntouched(): void {
    expect(changesToProtected()).toEqual([]);
    for (const user of PROTECTED) {
        const entra = harness.simulator.state.users.get(user.id);
        expect({ user: user.userPrincipalName, enabled: entra?.accountEnabled, revoked: entra?.revokedAt }).toEqual({
            user: user.userPrincipalName,
            enabled: true,
            revoked: undefined,
        });
        for (const env of harness.simulator.state.environments)
            for (const bcUser of env.users.filter((u) => u.userName === user.bcUserName))
                expect(`${env.name}/${bcUser.userName}=${bcUser.state}`).toBe(`${env.name}/${bcUser.userName}=Enabled`);
    }
    expect(sessionsLeft(harness.simulator, 'PRODUCTION', breakglass.bcUserName)).toBeGreaterThanOrEqual(1);
    expect(sessionsLeft(harness.simulator, 'PRODUCTION', carol.bcUserName)).toBeGreaterThanOrEqual(1);
    expect(sessionsLeft(harness.simulator, 'PRODUCTION', ivan.bcUserName)).toBeGreaterThanOrEqual(1);
}

const CALLER = { kind: 'cli' as const, id: 'test', verified: false };

/** A new worker instance, with nothing cached; `env` overrides the app settings it starts with. */
const freshWorker = (env: Record<string, string> = {}) =>
    createServiceDependencies(readConfig({ ...process.env, ...env }));

const request = (requestId: string, users: string[]) => ({
    requestId,
    users,
    reason: 'reliability: guard',
    actions: EVERYTHING,
});

const outcomes = (result: SignOutResult | undefined) =>
    Object.fromEntries((result?.users ?? []).map((user) => [user.user, user.outcome]));

async function finalRecord(requestId: string) {
    return (await sharedServiceDependencies()).audit.getRequest(requestId);
}

const timer = { isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } };

describe('protected accounts', () => {
    it('are refused over HTTP, by UPN, object id or any spelling, while the others are signed out', async () => {
        for (const [requestId, users] of [
            [
                'PROTECTED-HTTP-1',
                [breakglass.userPrincipalName, carol.userPrincipalName, ivan.userPrincipalName, dan.userPrincipalName],
            ],
            ['PROTECTED-HTTP-2', [breakglass.id, carol.userPrincipalName.toUpperCase()]],
        ] as const) {
            const response = plain(
                await acceptSignOut(
                    httpRequest('POST', 'https://bc-signout.example/api/signouts', {
                        body: { requestId, users, reason: 'reliability: protected', actions: EVERYTHING },
                    }),
                    invocationContext('acceptSignOut'),
                ),
            );
            expect(response.status).toBe(202);
            requestIds.push(requestId);
        }
        await pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut);
        const first = await finalRecord('PROTECTED-HTTP-1');
        expect(outcomes(first?.result)).toEqual({
            [breakglass.userPrincipalName]: 'protected',
            [carol.userPrincipalName]: 'protected',
            [ivan.userPrincipalName]: 'protected',
            [dan.userPrincipalName]: 'processed',
        });
        expect(first?.result?.users[2]?.detail).toMatch(/User Administrator through group Identity Admins/);
        expect(sessionsLeft(harness.simulator, 'PRODUCTION', dan.bcUserName)).toBe(0);
        const second = await finalRecord('PROTECTED-HTTP-2');
        expect(Object.values(outcomes(second?.result))).toEqual(['protected', 'protected']);
        expectProtectedUntouched();
    });

    it('are shown as protected by a preview, which changes nothing', async () => {
        const response = plain(
            await previewSignOut(
                httpRequest('POST', 'https://bc-signout.example/api/signouts/preview', {
                    body: { users: [breakglass.id, carol.id], reason: 'what if', actions: EVERYTHING },
                }),
                invocationContext('previewSignOut'),
            ),
        );
        expect(response.status).toBe(200);
        expect(Object.values(outcomes(response.body as SignOutResult))).toEqual(['protected', 'protected']);
        expectProtectedUntouched();
    });

    it('are refused from the ITSM queue', async () => {
        const message = {
            users: [breakglass.userPrincipalName, carol.id, hank.userPrincipalName],
            reason: 'reliability: protected from ServiceNow',
            ticket: { system: 'servicenow', number: 'INC0077001' },
            actions: EVERYTHING,
        };
        await sendQueueMessage(harness.connectionString, harness.queueName, message);
        expect(await pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut)).toMatchObject({
            handled: 1,
            poisoned: 0,
        });
        const history = await (await sharedServiceDependencies()).audit.userHistory(hank.userPrincipalName);
        const requestId = history.items.find((item) => item.requestId.startsWith('servicenow-INC0077001-'))?.requestId;
        if (!requestId) throw new Error('the ticket left no request');
        requestIds.push(requestId);
        expect(outcomes((await finalRecord(requestId))?.result)).toEqual({
            [breakglass.userPrincipalName]: 'protected',
            [carol.id]: 'protected',
            [hank.userPrincipalName]: 'processed',
        });
        expectProtectedUntouched();
    });

    it('are refused by the CLI', async () => {
        const io = memoryIo({ env: { ...harness.settings } });
        const code = await main(
            [
                'signout',
                ...['--user', breakglass.userPrincipalName, '--user', carol.id],
                ...['--reason', 'reliability: protected from the CLI', '--block', 'permanent'],
                ...['--disable-bc', 'permanent', '--request-id', 'PROTECTED-CLI-1', '--json'],
            ],
            io,
        );
        requestIds.push('PROTECTED-CLI-1');
        expect(code).not.toBe(0);
        expect(Object.values(outcomes((await finalRecord('PROTECTED-CLI-1'))?.result))).toEqual([
            'protected',
            'protected',
        ]);
        expectProtectedUntouched();
    });

    it('are left alone by the sweep, which still cancels the reconnects of watched users', async () => {
        // Everyone's browser reconnects; the protected ones were never watched.
        for (const user of [breakglass, carol, dan]) harness.simulator.addSession('PRODUCTION', user.bcUserName);
        rememberProtectedSessions();
        await sweepTimer(timer as never, invocationContext('sweepTimer'));
        expect(sessionsLeft(harness.simulator, 'PRODUCTION', dan.bcUserName)).toBe(0);
        expectProtectedUntouched();
    });

    it('drop a watched user who was added to PROTECTED_USERS after the request', async () => {
        const deps = await sharedServiceDependencies();
        const watchedBefore = (await deps.audit.listWatches()).filter((w) => w.objectId === hank.id);
        expect(watchedBefore.length).toBeGreaterThan(0);
        // The setting changed and the app restarted: the same store, the new protected list.
        const restarted: ServiceDependencies = await createServiceDependencies(
            readConfig({
                ...process.env,
                PROTECTED_USERS: `${breakglass.userPrincipalName},${hank.userPrincipalName}`,
            }),
            { audit: deps.audit, queue: deps.queue },
        );
        harness.simulator.addSession('PRODUCTION', hank.bcUserName);
        const hankDeletesBefore = harness.simulator.callsTo('bc-admin', 'DELETE').length;
        const report = await runSweep('reliability:protected-sweep', restarted, SWEEP_LEASE_IN_MS);
        expect(report.failures.join(' ')).toMatch(/hank@contoso\.com dropped/);
        expect(sessionsLeft(harness.simulator, 'PRODUCTION', hank.bcUserName)).toBe(1);
        expect(harness.simulator.callsTo('bc-admin', 'DELETE').length).toBe(hankDeletesBefore);
        expect((await deps.audit.listWatches()).filter((w) => w.objectId === hank.id)).toEqual([]);
        const events = await deps.audit.listEvents(watchedBefore[0]!.requestId);
        expect(events.filter((e) => e.type === 'watch-dropped' && e.user === hank.id)).toHaveLength(1);
        expectProtectedUntouched();
    });

    it('are never touched while Graph fails during the guard: requests wait, then run guarded', async () => {
        const worker = await freshWorker();
        const storm = harness.simulator.faults.add({
            service: 'graph',
            path: /^\/v1\.0\/(roleManagement|groups)/,
            kind: 'throttle',
            retryAfterSeconds: 0,
        });
        const body = request('PROTECTED-GUARD-1', [ivan.userPrincipalName, erin.userPrincipalName]);
        await expect(acceptRequest(body, CALLER, worker)).rejects.toThrow(GuardUnavailableError);
        await expect(
            receiveQueueMessage({ ...body, requestId: 'PROTECTED-GUARD-2' }, { dequeueCount: 1, owner: 'q' }, worker),
        ).rejects.toThrow(GuardUnavailableError);
        expect(await worker.audit.getRequest('PROTECTED-GUARD-1')).toBeUndefined();
        expect(harness.simulator.state.users.get(erin.id)?.revokedAt).toBeUndefined();
        figures.faultsInjected++;

        harness.simulator.faults.remove(storm);
        await acceptRequest(body, CALLER, worker);
        requestIds.push('PROTECTED-GUARD-1');
        await processRequest('PROTECTED-GUARD-1', { dequeueCount: 5, owner: 'w' }, worker);
        expect(outcomes((await finalRecord('PROTECTED-GUARD-1'))?.result)).toEqual({
            [ivan.userPrincipalName]: 'protected',
            [erin.userPrincipalName]: 'processed',
        });
        expectProtectedUntouched();
    });

    it('stop every path while a protected entry is mistyped, and the sweep keeps its watches without acting', async () => {
        const worker = await freshWorker({ PROTECTED_USERS: 'breakglass@contoso.com' });
        const body = request('PROTECTED-TYPO-1', [breakglass.id, dan.id]);
        await expect(acceptRequest(body, CALLER, worker)).rejects.toThrow(/PROTECTED_USERS.*breakglass@contoso\.com/);
        await expect(previewRequest(body, CALLER, worker)).rejects.toThrow(ProtectedEntryError);
        const watches = (await worker.audit.listWatches()).length;
        const report = await runSweep('reliability:typo-sweep', worker, SWEEP_LEASE_IN_MS);
        expect(report.watchesSkipped).toBe(watches);
        expect((await worker.audit.listWatches()).length).toBe(watches);
        const io = memoryIo({ env: { ...harness.settings, PROTECTED_USERS: 'breakglass@contoso.com' } });
        expect(await main(['signout', '-u', dan.id, '-r', 'typo'], io)).toBe(4);
        expectProtectedUntouched();
    });
});
