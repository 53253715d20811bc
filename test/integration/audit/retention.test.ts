import { ValidationError } from '../../../src/core/errors';
import { monthPartition, timeRowKey } from '../../../src/clients/audit/keys';
import type { TableAuditStore } from '../../../src/clients/audit/tableAuditStore';
import { PERMANENT_RELEASE_AT } from '../../../src/core/ports/auditStore';
import { newRecord, openStore, rawTable, TENANT, uniquePrefix } from './auditFixture';

const prefix = uniquePrefix();
let store: TableAuditStore;
const cutoff = new Date('2024-03-01T00:00:00.000Z');
const justBefore = '2024-02-29T23:59:59.999Z';
const exactly = '2024-03-01T00:00:00.000Z';
const justAfter = '2024-03-01T00:00:00.001Z';
const NOTHING_PURGED = { requests: 0, events: 0, indexEntries: 0, kept: 0, complete: true };

async function countRows(table: string): Promise<number> {
    let count = 0;
    for await (const _ of rawTable(`${prefix}${table}`).listEntities()) count++;
    return count;
}

async function seed(requestId: string, createdAt: string, events: number, users: string[]): Promise<void> {
    await store.claimRequest(newRecord(requestId, createdAt));
    const trail = await store.openTrail(requestId);
    await trail.append(Array.from({ length: events }, (_, i) => ({ type: 'step-outcome', step: `s${i}` })));
    await store.indexUser(requestId, users, createdAt);
}

beforeAll(async () => {
    store = await openStore(prefix);
});

describe('purgeOlderThan', () => {
    it('deletes what was created before the cutoff, with events and index entries, and nothing after', async () => {
        await seed('old-1', '2023-11-15T12:00:00.000Z', 3, ['bob@contoso.com', 'bob-oid']);
        await seed('old-edge', justBefore, 2, ['bob@contoso.com']);
        await seed('new-edge', exactly, 2, ['bob@contoso.com']);
        await seed('new-later', justAfter, 1, ['bob@contoso.com']);

        const report = await store.purgeOlderThan(cutoff);
        expect(report).toEqual({ requests: 2, events: 5, indexEntries: 3, kept: 0, complete: true });

        expect(await store.getRequest('old-1')).toBeUndefined();
        expect(await store.getRequest('old-edge')).toBeUndefined();
        expect(await store.listEvents('old-edge')).toEqual([]);
        expect(await store.getRequest('new-edge')).toBeDefined();
        expect(await store.verifyTrail('new-edge')).toMatchObject({ ok: true, eventsChecked: 2 });
        const history = await store.userHistory('bob@contoso.com');
        expect(history.items.map((item) => item.requestId)).toEqual(['new-later', 'new-edge']);
        expect(await store.userHistory('bob-oid')).toEqual({ items: [] });

        // Nothing of the purged requests is left in any table.
        expect(await countRows('Timeline')).toBe(2);
        expect(await countRows('UserIndex')).toBe(2);
        expect(await countRows('Events')).toBe(3);
        expect(await countRows('Requests')).toBe(2 + 2); // two records, each with one user reference
    });

    it('stops at maxEntities and a later run completes the purge', async () => {
        for (let n = 0; n < 4; n++)
            await seed(`bulk-${n}`, `2024-01-0${n + 1}T00:00:00.000Z`, 30, ['carol@contoso.com']);
        // Per request: 30 events, 1 index entry, 1 user reference, 1 record, 1 timeline row = 34 entities.
        const first = await store.purgeOlderThan(cutoff, { maxEntities: 50 });
        expect(first.complete).toBe(false);
        expect(first.requests).toBe(1);
        expect(first.events).toBe(46);

        const totals = { ...first };
        for (let run = 0; run < 10; run++) {
            const next = await store.purgeOlderThan(cutoff, { maxEntities: 50 });
            totals.requests += next.requests;
            totals.events += next.events;
            totals.indexEntries += next.indexEntries;
            if (next.complete) break;
        }
        expect(totals).toMatchObject({ requests: 4, events: 120, indexEntries: 4 });
        expect(await store.purgeOlderThan(cutoff)).toEqual(NOTHING_PURGED);
        expect(await store.userHistory('carol@contoso.com')).toEqual({ items: [] });
        expect(await store.getRequest('new-edge')).toBeDefined();
    });

    it('removes the timeline row of a claim that lost the race, keeping the request', async () => {
        await store.claimRequest(newRecord('keeper', '2024-06-01T00:00:00.000Z'));
        const before = await countRows('Timeline');
        // The losing claim cleans up after itself; a crash in between would leave its row, as written here.
        await store.claimRequest(newRecord('keeper', '2024-01-15T00:00:00.000Z'));
        expect(await countRows('Timeline')).toBe(before);
        const lostAt = Date.parse('2024-01-15T00:00:00.000Z');
        await rawTable(`${prefix}Timeline`).createEntity({
            partitionKey: monthPartition(lostAt),
            rowKey: timeRowKey(lostAt, 'keeper'),
            requestId: 'keeper',
            createdAt: '2024-01-15T00:00:00.000Z',
        });
        expect(await store.purgeOlderThan(cutoff)).toEqual(NOTHING_PURGED);
        expect(await store.getRequest('keeper')).toMatchObject({ createdAt: '2024-06-01T00:00:00.000Z' });
        expect(await countRows('Timeline')).toBe(before);
    });

    it('never purges a trail whose hold or watch is still active, and purges it once they end', async () => {
        await seed('held-1', '2023-10-01T00:00:00.000Z', 2, ['dora@contoso.com']);
        await seed('watched-1', '2023-10-02T00:00:00.000Z', 2, ['dora@contoso.com']);
        const hold = {
            requestId: 'held-1',
            tenantId: TENANT,
            kind: 'entra-block' as const,
            objectId: 'dora-oid',
            userPrincipalName: 'dora@contoso.com',
            prior: 'true',
            setTo: 'false',
            changedAt: '2023-10-01T00:00:05.000Z',
            releaseAt: PERMANENT_RELEASE_AT,
        };
        await store.upsertHold(hold);
        await store.upsertWatch({
            requestId: 'watched-1',
            tenantId: TENANT,
            objectId: 'dora-oid',
            userPrincipalName: 'dora@contoso.com',
            mail: null,
            identities: { Production: { names: ['DORA'], source: 'automation', why: 'test' } },
            applicationFamily: 'BusinessCentral',
            environments: ['Production'],
            until: '2099-01-01T00:00:00.000Z',
        });

        expect(await store.purgeOlderThan(cutoff)).toMatchObject({ requests: 0, events: 0, kept: 2, complete: true });
        expect(await store.verifyTrail('held-1')).toMatchObject({ ok: true, eventsChecked: 2 });
        expect(await store.verifyTrail('watched-1')).toMatchObject({ ok: true, eventsChecked: 2 });
        expect((await store.userHistory('dora@contoso.com')).items).toHaveLength(2);

        await store.deleteHold(hold);
        await store.deleteWatch('watched-1', 'dora-oid');
        expect(await store.purgeOlderThan(cutoff)).toMatchObject({ requests: 2, events: 4, kept: 0, complete: true });
        expect(await store.getRequest('held-1')).toBeUndefined();
    });

    it('refuses a budget too small to make progress', async () => {
        await expect(store.purgeOlderThan(cutoff, { maxEntities: 1 })).rejects.toBeInstanceOf(ValidationError);
    });
});
