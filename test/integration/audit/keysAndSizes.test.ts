import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../../src/core/errors';
import type { HoldRecord, WatchRecord } from '../../../src/core/ports/auditStore';
import { sha256Hex } from '../../../src/clients/audit/hashChain';
import { requestKeyOf, sequenceRowKey } from '../../../src/clients/audit/keys';
import type { TableAuditStore } from '../../../src/clients/audit/tableAuditStore';
import { newRecord, openStore, rawTable, signOutResult, TENANT, uniquePrefix, userResult } from './auditFixture';

const prefix = uniquePrefix();
let store: TableAuditStore;

beforeAll(async () => {
    store = await openStore(prefix);
});

/** Every character a table key must not hold (platform-facts §7), the escape character, and non-ASCII. */
const AWKWARD = [
    "o'brien+test#EXT#@contoso.com",
    'slash/back\\slash',
    'hash#question?mark',
    'percent%25literal%',
    'control\u0001\t\n\u007f\u009fchars',
    'pipe|and:colon',
    'ÄÖÜ-äöü-ß',
    'emoji-😀-🧑‍🚀',
];

/**
 * Random text that neither compresses nor looks like a secret: random base64 can contain `eyJ…` (a JWT's start) or
 * `sig=`, which the scrubber redacts, changing the value and its hash.
 */
const incompressible = (bytes: number) => randomBytes(bytes).toString('base64url').replace(/eyJ/g, 'zzz');

describe('keys that need encoding', () => {
    it.each(AWKWARD)('round-trips request id %j through record, trail, history and export', async (requestId) => {
        const createdAt = '2024-07-01T08:00:00.000Z';
        expect(await store.claimRequest(newRecord(requestId, createdAt))).toMatchObject({ claimed: true });
        expect(await store.getRequest(requestId)).toMatchObject({ requestId });
        await (await store.openTrail(requestId)).append([{ type: 'request-accepted', user: requestId }]);
        expect(await store.listEvents(requestId)).toMatchObject([{ requestId, user: requestId }]);
        expect(await store.verifyTrail(requestId)).toMatchObject({ ok: true, eventsChecked: 1 });

        const userKey = `${requestId}@Example.com`;
        await store.indexUser(requestId, [userKey], createdAt);
        const history = await store.userHistory(userKey.replace('Example.com', 'EXAMPLE.COM'));
        expect(history.items.map((item) => item.requestId)).toEqual([requestId]);

        const lines: string[] = [];
        for await (const line of store.exportRange(new Date(createdAt), new Date('2024-07-01T08:00:00.001Z'))) {
            lines.push(line);
        }
        expect(lines.map((line) => (JSON.parse(line) as { requestId: string }).requestId)).toContain(requestId);
    });

    it('keeps ids that differ only in escaped characters apart', async () => {
        await store.claimRequest(newRecord('a#b'));
        expect(await store.claimRequest(newRecord('a%23b'))).toMatchObject({ claimed: true });
        expect((await store.getRequest('a%23b'))?.requestId).toBe('a%23b');
    });

    it('refuses an id too long to be a key with a ValidationError, and reading it finds nothing', async () => {
        const longId = '#'.repeat(300);
        await expect(store.claimRequest(newRecord(longId))).rejects.toBeInstanceOf(ValidationError);
        expect(await store.getRequest(longId)).toBeUndefined();
        expect(await store.userHistory('x'.repeat(600))).toEqual({ items: [] });
    });

    it('round-trips watches, holds and leases under awkward names', async () => {
        const objectId = 'Obj/Id#1?';
        const watch: WatchRecord = {
            requestId: AWKWARD[0]!,
            tenantId: TENANT,
            objectId,
            userPrincipalName: AWKWARD[0]!,
            mail: null,
            identities: { Production: { names: ["O'BRIEN", 'ÄÖÜ'], source: 'heuristic', why: 'ÄÖÜ # / ? \\' } },
            applicationFamily: 'BusinessCentral',
            environments: ['Production'],
            until: '2024-07-01T09:30:00.000Z',
        };
        await store.upsertWatch(watch);
        expect(await store.listWatches()).toContainEqual(watch);
        await store.deleteWatch(watch.requestId, objectId.toUpperCase());
        expect(await store.listWatches()).not.toContainEqual(watch);

        const hold: HoldRecord = {
            requestId: AWKWARD[1]!,
            tenantId: TENANT,
            kind: 'bc-disable',
            objectId,
            userPrincipalName: 'x@contoso.com',
            environment: 'Production',
            bcUserSecurityId: 'c0ffee00-0000-0000-0000-000000000000',
            prior: 'Enabled',
            setTo: 'Disabled',
            changedAt: '2024-07-01T08:00:00.000Z',
            releaseAt: '2024-07-01T10:00:00.000+02:00',
        };
        await store.upsertHold(hold);
        expect(await store.listDueHolds(new Date('2024-07-01T08:00:00.000Z'))).toEqual([hold]);
        await store.deleteHold(hold);
        expect(await store.listDueHolds(new Date('2024-07-01T08:00:00.000Z'))).toEqual([]);

        expect(await store.tryAcquireLease('sweep/#?%😀', 'me', 60_000)).toBe(true);
        expect(await store.tryAcquireLease('sweep/#?%😀', 'other', 60_000)).toBe(false);
    });
});

describe('values larger than a property', () => {
    it('truncates an oversized reason and event detail, keeping the hash of the whole', async () => {
        const reason = `Leaver: ${'r'.repeat(100_000)}`;
        const detail = `Graph answered: ${'d'.repeat(200_000)}`;
        const claimed = await store.claimRequest(newRecord('big-text', undefined, { reason }));
        const stored = claimed.claimed ? claimed.record : undefined;
        expect(stored?.reason?.length).toBeLessThanOrEqual(8_000);
        expect(stored?.reason).toContain(`sha256 ${sha256Hex(reason)}`);
        expect(await store.getRequest('big-text')).toEqual(stored);

        const [event] = await (await store.openTrail('big-text')).append([{ type: 'step-outcome', detail }]);
        expect(event?.detail).toContain(`${detail.length} chars, sha256 ${sha256Hex(detail)}`);
        expect((await store.listEvents('big-text'))[0]).toEqual(event);
        expect(await store.verifyTrail('big-text')).toMatchObject({ ok: true });
    });

    it('splits a 200 KB result over several properties and reads it back whole', async () => {
        const users = Array.from({ length: 150 }, (_, i) => userResult(`user${i}@contoso.com`, 6));
        const result = signOutResult('big-result', users);
        expect(JSON.stringify(result).length).toBeGreaterThan(200_000);
        await store.claimRequest(newRecord('big-result'));
        await store.startAttempt('big-result', 'w', 60_000);
        expect((await store.finishRequest('big-result', 'w', result)).result).toEqual(result);
        expect((await store.getRequest('big-result'))?.result).toEqual(result);
        const entity = await rawTable(`${prefix}Requests`).getEntity(requestKeyOf('big-result'), 'record');
        expect(entity.resultParts).toBeGreaterThan(5);
    });

    it('compresses a result larger than an entity (500 users, 12 environments)', async () => {
        const users = Array.from({ length: 500 }, (_, i) => userResult(`user${i}@contoso.com`, 12));
        const result = signOutResult('huge-result', users, 'partial');
        expect(JSON.stringify(result).length).toBeGreaterThan(1024 * 1024);
        await store.claimRequest(newRecord('huge-result'));
        await store.startAttempt('huge-result', 'w', 60_000);
        await store.finishRequest('huge-result', 'w', result);
        expect(await store.getRequest('huge-result')).toMatchObject({ state: 'partial', result });
    });

    it('keeps a valid, reduced result when even compression cannot fit it', async () => {
        const noise = () => incompressible(1_500);
        const users = Array.from({ length: 600 }, (_, i) => ({
            ...userResult(`user${i}@contoso.com`, 1),
            detail: noise(),
        }));
        const result = signOutResult('incompressible', users);
        await store.claimRequest(newRecord('incompressible'));
        await store.startAttempt('incompressible', 'w', 60_000);
        const finished = await store.finishRequest('incompressible', 'w', result);
        const stored = (await store.getRequest('incompressible'))?.result;
        expect(stored).toEqual(finished.result);
        expect(stored?.status).toBe('completed');
        expect(stored?.users).toHaveLength(0);
        expect(stored?.residualRisk.notes.at(-1)).toContain(`sha256 ${sha256Hex(JSON.stringify(result))}`);
    });

    it('replaces event data too large for an entity by its length and hash', async () => {
        await store.claimRequest(newRecord('big-data'));
        const data = { blob: incompressible(1_200_000) };
        const [event] = await (await store.openTrail('big-data')).append([{ type: 'step-outcome', data }]);
        expect(event?.data).toEqual({
            omitted: true,
            length: JSON.stringify(data).length,
            sha256: sha256Hex(JSON.stringify(data)),
        });
        expect(await store.verifyTrail('big-data')).toMatchObject({ ok: true });
        const raw = await rawTable(`${prefix}Events`).getEntity(requestKeyOf('big-data'), sequenceRowKey(1));
        expect(JSON.stringify(raw).length).toBeLessThan(10_000);
    });
});
