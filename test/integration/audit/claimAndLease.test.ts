import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { LeaseLostError, RequestNotFoundError } from '../../../src/core/ports/auditStore';
import type { TableAuditStore } from '../../../src/clients/audit/tableAuditStore';
import { newRecord, openStore, signOutResult, uniquePrefix, userResult } from './auditFixture';

const run = promisify(execFile);
const prefix = uniquePrefix();
const MINUTE = 60_000;
let store: TableAuditStore;
let otherStore: TableAuditStore;

beforeAll(async () => {
    store = await openStore(prefix, () => new Date('2024-05-01T10:00:00.000Z'));
    otherStore = await openStore(prefix);
});

describe('claimRequest', () => {
    it('claims an id once; a duplicate gets the existing record', async () => {
        const first = await store.claimRequest(newRecord('claim-once'));
        expect(first).toMatchObject({
            claimed: true,
            record: { requestId: 'claim-once', state: 'accepted', attempts: 0 },
        });
        const again = await store.claimRequest(
            newRecord('claim-once', '2024-05-01T10:05:00.000Z', { reason: 'retry' }),
        );
        expect(again).toMatchObject({
            claimed: false,
            existing: { reason: 'Leaver', createdAt: '2024-05-01T10:00:00.000Z' },
        });
        expect(await store.getRequest('claim-once')).toEqual(first.claimed && first.record);
    });

    it('lets exactly one of two stores win a concurrent claim', async () => {
        for (let round = 0; round < 5; round++) {
            const id = `race-${round}`;
            const outcomes = await Promise.all([
                store.claimRequest(
                    newRecord(id, '2024-05-01T10:00:00.000Z', { caller: { kind: 'queue', id: 'a', verified: false } }),
                ),
                otherStore.claimRequest(
                    newRecord(id, '2024-05-01T10:00:00.001Z', { caller: { kind: 'queue', id: 'b', verified: false } }),
                ),
            ]);
            expect(outcomes.filter((outcome) => outcome.claimed)).toHaveLength(1);
            const winner = outcomes.find((outcome) => outcome.claimed);
            const loser = outcomes.find((outcome) => !outcome.claimed);
            expect(loser && !loser.claimed && loser.existing.caller).toEqual(winner?.claimed && winner.record.caller);
        }
        // The loser's timeline row (other creation time) is gone: the request is listed once.
        const recent = await store.listRecent({ pageSize: 100 });
        expect(recent.items.filter((item) => item.requestId === 'race-0')).toHaveLength(1);
    });

    it('lets exactly one of three separate processes win', async () => {
        const tsx = path.join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');
        const script = path.join(__dirname, 'claimOnce.ts');
        const claim = (createdAt: string) =>
            run(tsx, [script, prefix, 'process-race', createdAt], { env: process.env }).then(
                ({ stdout }) => JSON.parse(stdout) as { claimed: boolean },
            );
        const outcomes = await Promise.all([
            claim('2024-05-01T10:00:00.000Z'),
            claim('2024-05-01T10:00:00.002Z'),
            store.claimRequest(newRecord('process-race', '2024-05-01T10:00:00.003Z')),
        ]);
        expect(outcomes.filter((outcome) => outcome.claimed)).toHaveLength(1);
    });
});

describe('attempts and leases', () => {
    const t0 = new Date('2024-05-01T10:00:00.000Z');
    const at = (minutes: number) => new Date(t0.getTime() + minutes * MINUTE);

    it('answers unknown for an id never claimed', async () => {
        expect(await store.startAttempt('never-claimed', 'w1', MINUTE, t0)).toEqual({ kind: 'unknown' });
        expect(await store.getRequest('never-claimed')).toBeUndefined();
    });

    it('acquires, refuses a second worker while the lease runs, and hands over after it expires', async () => {
        await store.claimRequest(newRecord('lease-1'));
        const first = await store.startAttempt('lease-1', 'worker-a', 5 * MINUTE, t0);
        expect(first).toMatchObject({
            kind: 'acquired',
            record: { state: 'running', attempts: 1, leaseOwner: 'worker-a' },
        });
        expect(await otherStore.startAttempt('lease-1', 'worker-b', 5 * MINUTE, at(4))).toMatchObject({
            kind: 'busy',
            record: { leaseOwner: 'worker-a' },
        });
        const takeover = await otherStore.startAttempt('lease-1', 'worker-b', 5 * MINUTE, at(6));
        expect(takeover).toMatchObject({
            kind: 'acquired',
            record: { attempts: 2, leaseOwner: 'worker-b', leaseUntil: at(11).toISOString() },
        });

        // The worker that lost its lease must not write a result.
        const result = signOutResult('lease-1', [userResult('alice@contoso.com', 1)]);
        await expect(store.finishRequest('lease-1', 'worker-a', result)).rejects.toBeInstanceOf(LeaseLostError);
        const finished = await otherStore.finishRequest('lease-1', 'worker-b', result);
        expect(finished).toMatchObject({ state: 'completed', result });
        expect(finished.leaseOwner).toBeUndefined();
        expect(await store.getRequest('lease-1')).toEqual(finished);

        // A retried finish by the same worker finds its own result; a final request never starts again.
        await expect(otherStore.finishRequest('lease-1', 'worker-b', result)).resolves.toEqual(finished);
        expect(await store.startAttempt('lease-1', 'worker-c', MINUTE, at(20))).toMatchObject({ kind: 'final' });
    });

    it('lets exactly one of two concurrent workers acquire', async () => {
        await store.claimRequest(newRecord('lease-race'));
        const outcomes = await Promise.all([
            store.startAttempt('lease-race', 'worker-a', MINUTE, t0),
            otherStore.startAttempt('lease-race', 'worker-b', MINUTE, t0),
        ]);
        expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['acquired', 'busy']);
        expect((await store.getRequest('lease-race'))?.attempts).toBe(1);
    });

    it('renews the lease of its owner only, so a live worker is not overtaken', async () => {
        await store.claimRequest(newRecord('renew-1'));
        await store.startAttempt('renew-1', 'worker-a', 2 * MINUTE, t0);
        expect(await store.renewAttempt('renew-1', 'worker-b', 2 * MINUTE, at(1))).toBe(false);
        expect(await store.renewAttempt('renew-1', 'worker-a', 2 * MINUTE, at(1))).toBe(true);
        expect((await store.getRequest('renew-1'))?.leaseUntil).toBe(at(3).toISOString());
        expect(await store.startAttempt('renew-1', 'worker-b', MINUTE, at(2.5))).toMatchObject({ kind: 'busy' });
        expect(await store.startAttempt('renew-1', 'worker-b', MINUTE, at(3.5))).toMatchObject({ kind: 'acquired' });
        expect(await store.renewAttempt('renew-1', 'worker-a', 2 * MINUTE, at(4))).toBe(false);
    });

    it('releases an attempt so the next one starts at once', async () => {
        await store.claimRequest(newRecord('release-1'));
        await store.startAttempt('release-1', 'worker-a', 10 * MINUTE, t0);
        await store.releaseAttempt('release-1', 'someone-else');
        expect((await store.getRequest('release-1'))?.leaseOwner).toBe('worker-a');
        await store.releaseAttempt('release-1', 'worker-a');
        const released = await store.getRequest('release-1');
        expect(released?.leaseOwner).toBeUndefined();
        expect(released?.leaseUntil).toBeUndefined();
        expect(await store.startAttempt('release-1', 'worker-b', MINUTE, at(1))).toMatchObject({ kind: 'acquired' });
    });

    it('sets a state without a result, keeping everything else', async () => {
        await store.claimRequest(newRecord('dead-1'));
        await store.startAttempt('dead-1', 'worker-a', MINUTE, t0);
        await store.setState('dead-1', 'dead-lettered', 'Dequeued 5 times; last error: Bearer abc.def.ghi');
        const record = await store.getRequest('dead-1');
        expect(record).toMatchObject({
            state: 'dead-lettered',
            attempts: 1,
            reason: 'Leaver',
            ticketNumber: 'INC0012345',
        });
        expect(record?.stateDetail).toBe('Dequeued 5 times; last error: Bearer [redacted]');
        expect(await store.startAttempt('dead-1', 'worker-b', MINUTE, at(5))).toMatchObject({ kind: 'final' });
    });

    it('reports unknown requests with a typed error', async () => {
        await expect(store.setState('nope', 'failed')).rejects.toBeInstanceOf(RequestNotFoundError);
        await expect(store.finishRequest('nope', 'w', signOutResult('nope', []))).rejects.toBeInstanceOf(
            RequestNotFoundError,
        );
    });

    it('keeps a rejected request that could not be parsed, with its problems', async () => {
        const { request: _request, ...withoutRequest } = newRecord('rejected-1');
        const claimed = await store.claimRequest({
            ...withoutRequest,
            state: 'rejected',
            userCount: 0,
            problems: [{ field: 'users', reason: 'must name at least one user' }],
        });
        expect(claimed).toMatchObject({ claimed: true, record: { state: 'rejected', problems: [{ field: 'users' }] } });
        expect(claimed.claimed && claimed.record.request).toBeUndefined();
        expect(await store.startAttempt('rejected-1', 'w', MINUTE, t0)).toMatchObject({ kind: 'final' });
    });
});

describe('recordProgress', () => {
    const progress = {
        updatedAt: '2024-05-01T10:00:10.000Z',
        users: 5000,
        done: { 'entra.revoke': 3000 },
        waiting: 'Graph write quota: 2,000 user(s) wait 139 s',
    };

    it('shows a running request’s progress on its record, only while its worker holds it, never on a final one', async () => {
        await store.claimRequest(newRecord('progress-1'));
        await store.recordProgress('progress-1', 'worker-a', progress);
        expect((await store.getRequest('progress-1'))?.progress).toBeUndefined();

        await store.startAttempt('progress-1', 'worker-a', 5 * MINUTE);
        await store.recordProgress('progress-1', 'worker-b', progress);
        expect((await store.getRequest('progress-1'))?.progress).toBeUndefined();
        await store.recordProgress('progress-1', 'worker-a', progress);
        expect((await store.getRequest('progress-1'))?.progress).toEqual(progress);

        await store.finishRequest('progress-1', 'worker-a', signOutResult('progress-1', [userResult('a', 1)]));
        expect((await store.getRequest('progress-1'))?.progress).toBeUndefined();
        await store.recordProgress('progress-1', 'worker-a', progress);
        expect((await store.getRequest('progress-1'))?.progress).toBeUndefined();
    });
});
