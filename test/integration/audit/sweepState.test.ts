import type { HoldRecord, WatchRecord } from '../../../src/core/ports/auditStore';
import type { TableAuditStore } from '../../../src/clients/audit/tableAuditStore';
import { openStore, TENANT, uniquePrefix } from './auditFixture';

const prefix = uniquePrefix();
let store: TableAuditStore;
let otherStore: TableAuditStore;
const t0 = new Date('2024-05-01T10:00:00.000Z');
const MINUTE = 60_000;
const at = (minutes: number) => new Date(t0.getTime() + minutes * MINUTE);

beforeAll(async () => {
    [store, otherStore] = await Promise.all([openStore(prefix), openStore(prefix)]);
});

function watch(requestId: string, objectId: string, until: Date): WatchRecord {
    return {
        requestId,
        tenantId: TENANT,
        objectId,
        userPrincipalName: `${objectId}@contoso.com`,
        mail: `${objectId}@contoso.com`,
        identities: { Production: { names: [objectId.toUpperCase()], source: 'automation', why: 'test' } },
        applicationFamily: 'BusinessCentral',
        environments: ['Production', 'Sandbox'],
        until: until.toISOString(),
    };
}

function hold(requestId: string, kind: HoldRecord['kind'], releaseAt: string, environment?: string): HoldRecord {
    return {
        requestId,
        tenantId: TENANT,
        kind,
        objectId: 'user-1',
        userPrincipalName: 'user-1@contoso.com',
        ...(environment !== undefined && { environment }),
        prior: kind === 'entra-block' ? 'true' : 'Enabled',
        setTo: kind === 'entra-block' ? 'false' : 'Disabled',
        changedAt: t0.toISOString(),
        releaseAt,
    };
}

describe('watches', () => {
    it('upserts, lists and deletes', async () => {
        const a = watch('req-1', 'user-a', at(90));
        const b = watch('req-1', 'user-b', at(90));
        await store.upsertWatch(a);
        await store.upsertWatch(b);
        const extended = { ...a, until: at(180).toISOString() };
        await store.upsertWatch(extended);
        expect(await store.listWatches()).toEqual(expect.arrayContaining([extended, b]));
        expect(await store.listWatches()).toHaveLength(2);
        await store.deleteWatch('req-1', 'user-a');
        await store.deleteWatch('req-1', 'user-a'); // already gone: fine
        expect(await store.listWatches()).toEqual([b]);
    });
});

describe('holds', () => {
    it('lists only holds due at the given time, comparing instants rather than text', async () => {
        const block = hold('req-2', 'entra-block', at(60).toISOString());
        // The same instant as at(30), written with an offset: due at at(30), not before.
        const disable = hold('req-2', 'bc-disable', '2024-05-01T12:30:00+02:00', 'Production');
        const sandbox = hold('req-2', 'bc-disable', at(120).toISOString(), 'Sandbox');
        for (const h of [block, disable, sandbox]) await store.upsertHold(h);

        expect(await store.listDueHolds(at(29))).toEqual([]);
        expect(await store.listDueHolds(at(30))).toEqual([disable]);
        expect(await store.listDueHolds(at(60))).toEqual(expect.arrayContaining([disable, block]));
        expect(await store.listDueHolds(at(60))).toHaveLength(2);

        await store.deleteHold(disable);
        expect(await store.listDueHolds(at(600))).toEqual(expect.arrayContaining([block, sandbox]));
        expect(await store.listDueHolds(at(600))).toHaveLength(2);
    });
});

describe('named leases', () => {
    it('lets exactly one of two concurrent contenders win', async () => {
        for (let round = 0; round < 5; round++) {
            const name = `sweep-${round}`;
            const won = await Promise.all([
                store.tryAcquireLease(name, 'a', MINUTE, t0),
                otherStore.tryAcquireLease(name, 'b', MINUTE, t0),
            ]);
            expect(won.filter(Boolean)).toHaveLength(1);
        }
    });

    it('lets exactly one of two contenders take over an expired lease', async () => {
        expect(await store.tryAcquireLease('expiring', 'old', MINUTE, t0)).toBe(true);
        const won = await Promise.all([
            store.tryAcquireLease('expiring', 'a', MINUTE, at(2)),
            otherStore.tryAcquireLease('expiring', 'b', MINUTE, at(2)),
        ]);
        expect(won.filter(Boolean)).toHaveLength(1);
    });

    it('renews for its owner, refuses others until it expires, and releases only for its owner', async () => {
        expect(await store.tryAcquireLease('renew', 'a', 5 * MINUTE, t0)).toBe(true);
        expect(await store.tryAcquireLease('renew', 'a', 5 * MINUTE, at(4))).toBe(true); // renewed until at(9)
        expect(await store.tryAcquireLease('renew', 'b', 5 * MINUTE, at(6))).toBe(false);
        await store.releaseLease('renew', 'b'); // not b's to release
        expect(await store.tryAcquireLease('renew', 'b', 5 * MINUTE, at(8))).toBe(false);
        await store.releaseLease('renew', 'a');
        expect(await store.tryAcquireLease('renew', 'b', 5 * MINUTE, at(8))).toBe(true);
        expect(await store.tryAcquireLease('renew', 'a', 5 * MINUTE, at(20))).toBe(true); // b's expired
    });
});
