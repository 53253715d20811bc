import type { AuditEventInput } from '../../../src/core/ports/auditStore';
import { sequenceRowKey, requestKeyOf } from '../../../src/clients/audit/keys';
import type { TableAuditStore } from '../../../src/clients/audit/tableAuditStore';
import { GENESIS_HASH } from '../../../src/clients/audit/hashChain';
import { newRecord, openStore, rawTable, signOutResult, uniquePrefix } from './auditFixture';

const prefix = uniquePrefix();
let store: TableAuditStore;
let seconds = 0;
/** A clock that ticks one second per reading, so events carry distinct times. */
const clock = () => new Date(Date.UTC(2024, 4, 1, 10, 0, seconds++));

beforeAll(async () => {
    store = await openStore(prefix, clock);
});

const steps = (from: number, count: number): AuditEventInput[] =>
    Array.from({ length: count }, (_, index) => ({
        type: 'step-outcome',
        step: `entra.revoke:user-${from + index}`,
        user: `user-${from + index}@contoso.com`,
        system: 'entra.revoke',
        status: 'succeeded',
        data: { index: from + index, nested: { b: 2, a: 1 } },
    }));

async function claimed(requestId: string): Promise<void> {
    await store.claimRequest(newRecord(requestId));
}

describe('audit trail', () => {
    it('chains events, and a resumed worker continues the chain', async () => {
        await claimed('resume-1');
        const trail = await store.openTrail('resume-1');
        const first = await trail.append(steps(1, 3));
        expect(first.map((event) => event.sequence)).toEqual([1, 2, 3]);
        expect(first[0]?.previousHash).toBe(GENESIS_HASH);
        expect(first[1]?.previousHash).toBe(first[0]?.hash);
        expect(trail.events()).toHaveLength(3);

        // A new worker (another instance of the store) picks up where the first stopped.
        const resumed = await (await openStore(prefix, clock)).openTrail('resume-1');
        expect(resumed.events()).toEqual(first);
        const more = await resumed.append(steps(4, 2));
        expect(more.map((event) => event.sequence)).toEqual([4, 5]);
        expect(more[0]?.previousHash).toBe(first[2]?.hash);

        expect(await store.listEvents('resume-1')).toEqual([...first, ...more]);
        expect(await store.verifyTrail('resume-1')).toEqual({
            ok: true,
            requestsChecked: 1,
            eventsChecked: 5,
            keyedEvents: 0,
        });
    });

    it('writes more than one transaction of events in order', async () => {
        await claimed('many-1');
        const written = await (await store.openTrail('many-1')).append(steps(1, 250));
        expect(written.map((event) => event.sequence)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
        expect(await store.verifyTrail('many-1')).toEqual({
            ok: true,
            requestsChecked: 1,
            eventsChecked: 250,
            keyedEvents: 0,
        });
    });

    it('keeps the chain whole when two writers append at once', async () => {
        await claimed('concurrent-1');
        const [a, b] = await Promise.all([store.openTrail('concurrent-1'), store.openTrail('concurrent-1')]);
        const [fromA, fromB] = await Promise.all([a!.append(steps(1, 3)), b!.append(steps(100, 3))]);
        expect(fromA).toHaveLength(3);
        expect(fromB).toHaveLength(3);
        const sequences = [...fromA, ...fromB].map((event) => event.sequence).sort((x, y) => x - y);
        expect(sequences).toEqual([1, 2, 3, 4, 5, 6]);
        expect(await store.verifyTrail('concurrent-1')).toMatchObject({ ok: true, eventsChecked: 6 });
    });

    it('continues after the events of a writer that appended since the trail was opened', async () => {
        await claimed('stale-1');
        const stale = await store.openTrail('stale-1');
        const fresh = await store.openTrail('stale-1');
        await fresh.append(steps(1, 2));
        const late = await stale.append(steps(3, 2));
        expect(late.map((event) => event.sequence)).toEqual([3, 4]);
        expect(stale.events().map((event) => event.sequence)).toEqual([1, 2, 3, 4]);
        expect(await store.verifyTrail('stale-1')).toMatchObject({ ok: true, eventsChecked: 4 });
    });

    it('names the sequence of an event edited in the table', async () => {
        await claimed('tamper-edit');
        await (await store.openTrail('tamper-edit')).append(steps(1, 5));
        const events = rawTable(`${prefix}Events`);
        await events.updateEntity(
            { partitionKey: requestKeyOf('tamper-edit'), rowKey: sequenceRowKey(3), detail: 'nothing happened here' },
            'Merge',
        );
        expect(await store.verifyTrail('tamper-edit')).toEqual({
            ok: false,
            requestsChecked: 1,
            eventsChecked: 2,
            keyedEvents: 0,
            requestId: 'tamper-edit',
            sequence: 3,
            problem: expect.stringContaining('hash mismatch'),
        });
    });

    it('reports a gap where an event was deleted', async () => {
        await claimed('tamper-delete');
        await (await store.openTrail('tamper-delete')).append(steps(1, 5));
        await rawTable(`${prefix}Events`).deleteEntity(requestKeyOf('tamper-delete'), sequenceRowKey(2));
        expect(await store.verifyTrail('tamper-delete')).toMatchObject({
            ok: false,
            sequence: 2,
            problem: expect.stringContaining('gap'),
        });
    });

    it('catches events deleted from the end of a finished request', async () => {
        await claimed('tamper-tail');
        const owner = 'worker-a';
        await store.startAttempt('tamper-tail', owner, 60_000);
        await (await store.openTrail('tamper-tail')).append(steps(1, 4));
        await store.finishRequest('tamper-tail', owner, signOutResult('tamper-tail', []));
        // Events after the finish (e.g. the sweep) extend the trail, and the anchor follows them.
        await (await store.openTrail('tamper-tail')).append([{ type: 'reconnect-cancelled' }]);
        expect(await store.verifyTrail('tamper-tail')).toMatchObject({ ok: true, eventsChecked: 6 });

        const events = rawTable(`${prefix}Events`);
        await events.deleteEntity(requestKeyOf('tamper-tail'), sequenceRowKey(6));
        await events.deleteEntity(requestKeyOf('tamper-tail'), sequenceRowKey(5));
        expect(await store.verifyTrail('tamper-tail')).toMatchObject({ ok: false, sequence: 6 });
    });

    it('reports an unknown request as not verified', async () => {
        expect(await store.verifyTrail('no-such-request')).toMatchObject({ ok: false, problem: 'unknown request' });
    });

    it('never stores tokens or secrets, and the hash covers the scrubbed form', async () => {
        await claimed('secrets-1');
        const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
        const [event] = await (
            await store.openTrail('secrets-1')
        ).append([
            {
                type: 'step-outcome',
                detail: `Graph said 401 for Authorization: Bearer ${jwt}`,
                data: { request: `client_id=x&client_secret=hunter2&scope=y`, password: 'p4ss' },
            },
        ]);
        const stored = await rawTable(`${prefix}Events`).getEntity(requestKeyOf('secrets-1'), sequenceRowKey(1));
        const everything = JSON.stringify(stored);
        for (const secret of [jwt, 'hunter2', 'p4ss']) expect(everything).not.toContain(secret);
        expect(event?.detail).toBe('Graph said 401 for Authorization: Bearer [redacted]');
        expect(await store.verifyTrail('secrets-1')).toMatchObject({ ok: true });
    });

    it('verifies every request created in a range and names the first broken one', async () => {
        const inRange = (minute: number) => `2024-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
        for (const minute of [1, 2, 3]) {
            const id = `range-${minute}`;
            await store.claimRequest(newRecord(id, inRange(minute)));
            await (await store.openTrail(id)).append(steps(1, 2));
        }
        const from = new Date(inRange(0));
        const to = new Date(inRange(10));
        expect(await store.verifyRange(from, to)).toEqual({
            ok: true,
            requestsChecked: 3,
            eventsChecked: 6,
            keyedEvents: 0,
        });
        await rawTable(`${prefix}Events`).updateEntity(
            { partitionKey: requestKeyOf('range-2'), rowKey: sequenceRowKey(1), status: 'failed' },
            'Merge',
        );
        expect(await store.verifyRange(from, to)).toMatchObject({ ok: false, requestId: 'range-2', sequence: 1 });
        // The range is half-open: a request created exactly at `to` is not part of it.
        expect(await store.verifyRange(from, new Date(inRange(2)))).toEqual({
            ok: true,
            requestsChecked: 1,
            eventsChecked: 2,
            keyedEvents: 0,
        });
    });
});
