import { ConfigurationError } from '../../../src/core/errors';
import type { TableAuditStore } from '../../../src/clients/audit/tableAuditStore';
import { rewriteTrail } from '../../support/auditTamper';
import { azuriteConnectionString, newRecord, openStore, signOutResult, uniquePrefix, userResult } from './auditFixture';

const prefix = uniquePrefix();
const KEY = 'k'.repeat(24) + '-audit-signing-key-1';
const OTHER_KEY = 'o'.repeat(24) + '-audit-signing-key-2';
let keyed: TableAuditStore;
let unkeyed: TableAuditStore;

beforeAll(async () => {
    [keyed, unkeyed] = await Promise.all([openStore(prefix, undefined, KEY), openStore(prefix)]);
});

/** A request finished `completed` through `store`: claimed, one step, sealed. */
async function finished(store: TableAuditStore, requestId: string): Promise<void> {
    await store.claimRequest(newRecord(requestId));
    await store.startAttempt(requestId, 'worker', 60_000);
    const trail = await store.openTrail(requestId);
    await trail.append([{ type: 'step-outcome', status: 'succeeded' }]);
    await store.finishRequest(requestId, 'worker', signOutResult(requestId, [userResult('alice@contoso.com', 1)]), {
        trail,
        events: [{ type: 'request-finished', status: 'completed' }],
    });
}

const rewrite = (requestId: string, options: { key?: string; from?: number } = {}) =>
    rewriteTrail(azuriteConnectionString(), prefix, unkeyed, requestId, {
        record: { state: 'failed', callerId: 'someone-else' },
        ...options,
    });

describe('keyed audit chain', () => {
    it('signs every event with the key, and says so when verifying', async () => {
        await finished(keyed, 'keyed-1');
        const events = await keyed.listEvents('keyed-1');
        expect(new Set(events.map((e) => e.keyId))).toEqual(new Set([expect.stringMatching(/^[0-9a-f]{16}$/)]));
        expect(await keyed.verifyTrail('keyed-1')).toEqual({
            ok: true,
            requestsChecked: 1,
            eventsChecked: 3,
            keyedEvents: 3,
        });
    });

    it('cannot verify a keyed trail without the key, or with another, and says why', async () => {
        await finished(keyed, 'keyed-2');
        expect(await unkeyed.verifyTrail('keyed-2')).toMatchObject({
            ok: false,
            sequence: 1,
            problem: expect.stringMatching(
                /cannot verify: signed with key \w+, but no AUDIT_SIGNING_KEY is configured/,
            ),
        });
        const other = await openStore(prefix, undefined, OTHER_KEY);
        expect(await other.verifyTrail('keyed-2')).toMatchObject({
            ok: false,
            problem: expect.stringContaining('the configured AUDIT_SIGNING_KEY is'),
        });
    });

    it('refuses to add unkeyed events to a keyed trail', async () => {
        await finished(keyed, 'keyed-3');
        const trail = await unkeyed.openTrail('keyed-3');
        await expect(trail.append([{ type: 'reconnect-cancelled' }])).rejects.toBeInstanceOf(ConfigurationError);
        expect(await keyed.verifyTrail('keyed-3')).toMatchObject({ ok: true, eventsChecked: 3 });
    });

    it('keys what is appended once the key is set, after an unkeyed start', async () => {
        await finished(unkeyed, 'keyed-later');
        await (await keyed.openTrail('keyed-later')).append([{ type: 'reconnect-cancelled' }]);
        expect(await keyed.verifyTrail('keyed-later')).toMatchObject({ ok: true, eventsChecked: 4, keyedEvents: 1 });
    });

    it('detects a record and chain rewritten without the key, however the rewrite is done', async () => {
        // Signed with a key of the forger's own.
        await finished(keyed, 'keyed-rewrite-forged');
        await rewrite('keyed-rewrite-forged', { key: OTHER_KEY });
        await expect(keyed.verifyTrail('keyed-rewrite-forged')).resolves.toMatchObject({
            ok: false,
            problem: expect.stringContaining('cannot verify'),
        });

        // Only the tail rewritten, unkeyed, after the keyed events it keeps.
        await finished(keyed, 'keyed-rewrite-tail');
        await rewrite('keyed-rewrite-tail', { from: 3 });
        await expect(keyed.verifyTrail('keyed-rewrite-tail')).resolves.toMatchObject({
            ok: false,
            sequence: 3,
            problem: expect.stringContaining('not keyed, although event 1 before it is'),
        });
    });

    it('shows a whole trail rewritten unkeyed as not keyed: what the key cannot prove', async () => {
        await finished(keyed, 'keyed-downgraded');
        await rewrite('keyed-downgraded');
        expect(await keyed.verifyTrail('keyed-downgraded')).toEqual({
            ok: true,
            requestsChecked: 1,
            eventsChecked: 3,
            keyedEvents: 0,
        });
    });

    it('without a key, a consistent rewrite of record and chain goes unnoticed: what the plain chain cannot prove', async () => {
        await finished(unkeyed, 'unkeyed-rewrite');
        await rewrite('unkeyed-rewrite');
        expect(await unkeyed.getRequest('unkeyed-rewrite')).toMatchObject({ state: 'failed' });
        expect(await unkeyed.verifyTrail('unkeyed-rewrite')).toMatchObject({ ok: true, keyedEvents: 0 });
    });
});
