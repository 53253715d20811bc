import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { main } from '../../src/cli/main';
import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import type { HeldEntry } from '../../src/core/service/activeHolds';
import { heldIdOf } from '../../src/core/service/holdIds';
import { SWEEP_LEASE } from '../../src/core/service/sweep';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { listHolds } from '../../src/functions/listHolds';
import { releaseHold } from '../../src/functions/releaseHold';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { httpRequest, invocationContext, plain, pumpQueue, type CapturedLog } from '../support/hostEmulation';
import { memoryIo } from '../unit/cli/memoryIo';

/**
 * Holds and watches an admin can see and end: through the HTTP handlers, against the simulator, asserting on what the
 * simulator holds afterwards. The app runs without App Service authentication here (a function key holds every
 * role); who may call these routes is tested in authorization.test.ts.
 */
const BASE = 'https://bc-signout.example/api';
const { alice, dan, erin, hank } = FIXTURE.users;
const ADMIN = {
    user: { id: 'ad000000-0000-4000-8000-000000000001', userPrincipalName: 'admin@contoso.com', displayName: 'Admin' },
};
let harness: AppHarness;
const logs: CapturedLog[] = [];
const requestIds: Record<string, string> = {};

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
const call = async (handler: Handler, request: HttpRequest) =>
    plain(await handler(request, invocationContext('test', {}, logs)));

async function signOut(name: string, body: Record<string, unknown>): Promise<void> {
    const accepted = await call(
        acceptSignOut,
        httpRequest('POST', `${BASE}/signouts`, { body: { reason: `holds admin: ${name}`, ...body } }),
    );
    expect(accepted.status).toBe(202);
    requestIds[name] = (accepted.body as { requestId: string }).requestId;
    expect(await pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut, { logs })).toMatchObject({
        handled: 1,
        failedAttempts: 0,
    });
}

async function holds(): Promise<HeldEntry[]> {
    const response = await call(listHolds, httpRequest('GET', `${BASE}/holds`));
    expect(response.status).toBe(200);
    return (response.body as { value: HeldEntry[] }).value;
}

async function release(id: string) {
    const request = httpRequest('POST', `${BASE}/holds/${id}/release`);
    request.params.id = id;
    return call(releaseHold, request);
}

const entryOf = (entries: HeldEntry[], request: string, kind: HeldEntry['kind'], objectId: string) => {
    const entry = entries.find(
        (e) => e.requestId === requestIds[request] && e.kind === kind && e.objectId === objectId,
    );
    if (!entry) throw new Error(`no ${kind} of ${objectId} for ${request}: ${JSON.stringify(entries)}`);
    return entry;
};

async function eventsOf(request: string) {
    return (await sharedServiceDependencies()).audit.listEvents(requestIds[request]!);
}

beforeAll(async () => {
    harness = await startAppHarness({ simulator: { auditLogDelayMs: 0 } });
    await signOut('alice', {
        users: [alice.userPrincipalName],
        environments: ['SANDBOX'],
        actions: { blockSignIn: { mode: 'for', minutes: 60 }, disableBcUser: { mode: 'for', minutes: 60 } },
        watchMinutes: 30,
    });
    await signOut('hank', {
        users: [hank.userPrincipalName],
        environments: ['SANDBOX'],
        actions: { blockSignIn: { mode: 'permanent' } },
        watchMinutes: 0,
    });
    await signOut('dan-first', {
        users: [dan.userPrincipalName],
        environments: ['SANDBOX'],
        actions: { blockSignIn: { mode: 'for', minutes: 60 } },
        watchMinutes: 0,
    });
    await signOut('dan-second', {
        users: [dan.userPrincipalName],
        environments: ['SANDBOX'],
        actions: { blockSignIn: { mode: 'for', minutes: 120 } },
        watchMinutes: 0,
    });
    await signOut('erin', {
        users: [erin.userPrincipalName],
        environments: ['SANDBOX'],
        actions: { blockSignIn: { mode: 'for', minutes: 60 } },
        watchMinutes: 0,
    });
}, 60_000);
afterAll(async () => harness.close());

describe('GET /api/holds', () => {
    it('lists who is blocked, disabled and watched, by whose request, until when', async () => {
        const entries = await holds();
        const block = entryOf(entries, 'alice', 'sign-in-blocked', alice.id);
        expect(block).toMatchObject({
            tenantId: FIXTURE.tenantId,
            userPrincipalName: alice.userPrincipalName,
            environments: [],
            due: false,
            requestedBy: { kind: 'function-key', id: 'unauthenticated', verified: false },
            reason: 'holds admin: alice',
        });
        expect(Date.parse(block.until) - Date.parse(block.since!)).toBeGreaterThan(59 * 60_000);
        expect(entryOf(entries, 'alice', 'bc-user-disabled', alice.id).environments).toEqual(['SANDBOX']);
        expect(entryOf(entries, 'alice', 'watched', alice.id).environments).toEqual(['SANDBOX']);
        expect(entryOf(entries, 'hank', 'sign-in-blocked', hank.id).until).toBe('permanent');
        expect(entries.map((entry) => entry.id).every((id) => /^[A-Za-z0-9_-]+$/.test(id))).toBe(true);
        expect(new Set(entries.map((entry) => entry.id)).size).toBe(entries.length);
    });
});

describe('POST /api/holds/{id}/release', () => {
    it('unblocks an account this service blocked, and the trail says who ended it early', async () => {
        const state = harness.simulator.state;
        expect(state.users.get(alice.id)?.accountEnabled).toBe(false);
        const id = entryOf(await holds(), 'alice', 'sign-in-blocked', alice.id).id;

        const response = await release(id);
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ id, outcome: 'released' });
        expect(state.users.get(alice.id)?.accountEnabled).toBe(true);
        // The way a release enables an account (asserted absent where it must not happen).
        expect(harness.simulator.callsTo('graph', 'PATCH', `/v1.0/users/${alice.id}`)).toHaveLength(2);
        const event = (await eventsOf('alice')).find((e) => e.type === 'hold-released');
        expect(event).toMatchObject({
            system: 'entra.block',
            status: 'released',
            data: { endedEarlyBy: { kind: 'function-key', id: 'unauthenticated' } },
        });
        expect(event?.detail).toMatch(/^ended early by unauthenticated: sign-in unblocked/);
        expect((await holds()).some((entry) => entry.id === id)).toBe(false);
        // What else the request holds stays in force.
        expect(state.findBcUser(state.environment('SANDBOX'), 'ALICE')?.state).toBe('Disabled');
    });

    it('enables a BC user this service disabled', async () => {
        const state = harness.simulator.state;
        const id = entryOf(await holds(), 'alice', 'bc-user-disabled', alice.id).id;
        expect(await release(id)).toMatchObject({ status: 200, body: { outcome: 'released' } });
        expect(state.findBcUser(state.environment('SANDBOX'), 'ALICE')?.state).toBe('Enabled');
        expect((await eventsOf('alice')).filter((e) => e.type === 'hold-released').map((e) => e.system)).toEqual([
            'entra.block',
            'bc.SANDBOX.user',
        ]);
    });

    it('ends a watch early: the sweep stops cancelling the user’s sessions', async () => {
        const id = entryOf(await holds(), 'alice', 'watched', alice.id).id;
        expect(await release(id)).toMatchObject({ status: 200, body: { outcome: 'watch-ended' } });
        const { audit } = await sharedServiceDependencies();
        expect((await audit.listWatches()).filter((watch) => watch.objectId === alice.id)).toEqual([]);
        const ended = (await eventsOf('alice')).find((e) => e.type === 'watch-ended');
        expect(ended?.detail).toMatch(/^watch ended early by unauthenticated/);
    });

    it('does not touch an account someone enabled again by hand since', async () => {
        const state = harness.simulator.state;
        const user = state.users.get(erin.id)!;
        state.recordAccountEnabledChange(user, false, true, ADMIN);
        user.accountEnabled = true;
        const patches = () => harness.simulator.callsTo('graph', 'PATCH', `/v1.0/users/${erin.id}`).length;
        const before = patches();
        const id = entryOf(await holds(), 'erin', 'sign-in-blocked', erin.id).id;
        const response = await release(id);
        expect(response).toMatchObject({ status: 200, body: { outcome: 'left-as-is' } });
        expect((response.body as { detail: string }).detail).toMatch(/no longer blocked/);
        expect([user.accountEnabled, patches()]).toEqual([true, before]);
        expect((await eventsOf('erin')).map((e) => e.type)).toContain('hold-left-as-is');
    });

    it('leaves an account as it is when someone else changed its sign-in since', async () => {
        const state = harness.simulator.state;
        const user = state.users.get(hank.id)!;
        state.recordAccountEnabledChange(user, false, true, ADMIN);
        state.recordAccountEnabledChange(user, true, false, ADMIN);
        const id = entryOf(await holds(), 'hank', 'sign-in-blocked', hank.id).id;
        const response = await release(id);
        expect(response).toMatchObject({ status: 200, body: { outcome: 'left-as-is' } });
        expect((response.body as { detail: string }).detail).toMatch(/changed by admin@contoso\.com/);
        expect(user.accountEnabled).toBe(false);
    });

    it('keeps an account blocked while another request still holds it', async () => {
        const state = harness.simulator.state;
        const id = entryOf(await holds(), 'dan-first', 'sign-in-blocked', dan.id).id;
        const response = await release(id);
        expect(response).toMatchObject({ status: 200, body: { outcome: 'left-as-is' } });
        expect((response.body as { detail: string }).detail).toContain(
            `request ${requestIds['dan-second']} still holds it`,
        );
        expect(state.users.get(dan.id)?.accountEnabled).toBe(false);
        // The other request's hold is still listed, and ending it enables the account.
        const second = entryOf(await holds(), 'dan-second', 'sign-in-blocked', dan.id).id;
        expect(await release(second)).toMatchObject({ status: 200, body: { outcome: 'released' } });
        expect(state.users.get(dan.id)?.accountEnabled).toBe(true);
    });

    it('answers 400 naming the field for an id it never issued', async () => {
        for (const id of ['not-an-id', Buffer.from('["h","x"]').toString('base64url'), 'a'.repeat(2000)]) {
            const response = await release(id);
            expect([response.status, (response.body as { error: { details: unknown } }).error.details]).toEqual([
                400,
                [{ field: 'id', reason: expect.any(String) }],
            ]);
        }
    });

    it('answers 404 naming the field for a hold that was released already', async () => {
        const released = Buffer.from(JSON.stringify(['h', requestIds.alice, 'entra-block', alice.id, ''])).toString(
            'base64url',
        );
        const response = await release(released);
        expect(response.status).toBe(404);
        expect((response.body as { error: { details: { field: string }[] } }).error.details[0]?.field).toBe('id');
    });

    it('refuses 403 to end a hold in a tenant the caller may not act in, and the hold stays', async () => {
        const deps = await sharedServiceDependencies();
        const otherTenant = '22222222-2222-4222-8222-222222222222';
        const hold = {
            requestId: 'other-tenant-hold',
            tenantId: otherTenant,
            kind: 'entra-block' as const,
            objectId: dan.id,
            userPrincipalName: 'dan@fabrikam.example',
            prior: 'true',
            setTo: 'false',
            changedAt: new Date().toISOString(),
            releaseAt: new Date(Date.now() + 3_600_000).toISOString(),
        };
        await deps.audit.upsertHold(hold);
        const id = heldIdOf({ kind: 'hold', requestId: hold.requestId, holdKind: hold.kind, objectId: dan.id });
        const response = await release(id);
        expect(response.status).toBe(403);
        expect(response.body).toMatchObject({
            error: { code: 'tenant-not-allowed', details: [{ field: 'tenantId' }] },
        });
        expect((await deps.audit.listHoldsFor(dan.id)).map((entry) => entry.requestId)).toContain(hold.requestId);
        await deps.audit.deleteHold(hold);
    });

    it('waits while the sweep holds its lease: 503 with Retry-After, and nothing is released', async () => {
        await signOut('alice-again', {
            users: [alice.userPrincipalName],
            environments: ['SANDBOX'],
            actions: { blockSignIn: { mode: 'for', minutes: 60 } },
            watchMinutes: 0,
        });
        const id = entryOf(await holds(), 'alice-again', 'sign-in-blocked', alice.id).id;
        const { audit } = await sharedServiceDependencies();
        expect(await audit.tryAcquireLease(SWEEP_LEASE, 'a-running-sweep', 60_000)).toBe(true);
        try {
            const busy = await release(id);
            expect([busy.status, busy.headers['retry-after']]).toEqual([503, '30']);
            expect(harness.simulator.state.users.get(alice.id)?.accountEnabled).toBe(false);
        } finally {
            await audit.releaseLease(SWEEP_LEASE, 'a-running-sweep');
        }
        expect(await release(id)).toMatchObject({ status: 200, body: { outcome: 'released' } });
        expect(harness.simulator.state.users.get(alice.id)?.accountEnabled).toBe(true);
    });
});

describe('bc-signout holds and bc-signout release', () => {
    const cli = async (argv: string[]) => {
        const io = memoryIo({ env: harness.settings });
        const code = await main(argv, io);
        return { code, stdout: io.out(), stderr: io.err() };
    };

    it('lists the holds with the command that ends each, and releases one', async () => {
        const signedOut = await cli([
            'signout',
            '-u',
            dan.userPrincipalName,
            '-r',
            'holds from the CLI',
            '--env',
            'SANDBOX',
            '--block',
            '1h',
            '--watch-minutes',
            '0',
        ]);
        expect(signedOut.code).toBe(0);
        expect(harness.simulator.state.users.get(dan.id)?.accountEnabled).toBe(false);

        const listed = await cli(['holds']);
        expect(listed.code).toBe(0);
        const line = listed.stdout
            .split('\n')
            .findIndex((text) => text.startsWith(`sign-in blocked: ${dan.userPrincipalName}, until `));
        expect(line).toBeGreaterThanOrEqual(0);
        const command = listed.stdout.split('\n')[line + 1]?.trim() ?? '';
        expect(command).toMatch(/^bc-signout release [A-Za-z0-9_-]+$/);

        const json = JSON.parse((await cli(['holds', '--json'])).stdout) as { value: HeldEntry[] };
        const id = command.split(' ')[2]!;
        expect(json.value.find((entry) => entry.id === id)).toMatchObject({
            objectId: dan.id,
            reason: 'holds from the CLI',
        });

        const released = await cli(['release', id]);
        expect([released.code, released.stdout]).toEqual([0, expect.stringMatching(/^Released: sign-in unblocked/)]);
        expect(harness.simulator.state.users.get(dan.id)?.accountEnabled).toBe(true);

        const again = await cli(['release', id, '--json']);
        expect(again.code).toBe(4);
        expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'not-found', details: [{ field: 'id' }] } });
        expect((await cli(['release', 'nonsense'])).code).toBe(4);
    });
});
