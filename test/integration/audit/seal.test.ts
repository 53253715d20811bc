import { requestKeyOf, sequenceRowKey } from '../../../src/clients/audit/keys';
import { RECORD_ROW_KEY } from '../../../src/clients/audit/requestEntity';
import type { TableAuditStore } from '../../../src/clients/audit/tableAuditStore';
import { newRecord, openStore, rawTable, signOutResult, uniquePrefix, userResult } from './auditFixture';

const prefix = uniquePrefix();
let store: TableAuditStore;
const OWNER = 'worker-a';

beforeAll(async () => {
    store = await openStore(prefix);
});

const events = () => rawTable(`${prefix}Events`);
const records = () => rawTable(`${prefix}Requests`);
const editRecord = (requestId: string, fields: Record<string, unknown>) =>
    records().updateEntity({ partitionKey: requestKeyOf(requestId), rowKey: RECORD_ROW_KEY, ...fields }, 'Merge');
const deleteEvent = (requestId: string, sequence: number) =>
    events().deleteEntity(requestKeyOf(requestId), sequenceRowKey(sequence));

/** A request run by a worker: claimed, two steps, finished `completed` with a `request-finished` closing event. */
async function finished(requestId: string): Promise<void> {
    await store.claimRequest(newRecord(requestId));
    await store.startAttempt(requestId, OWNER, 60_000);
    const trail = await store.openTrail(requestId);
    await trail.append([{ type: 'attempt-started' }, { type: 'step-outcome', status: 'succeeded' }]);
    await store.finishRequest(requestId, OWNER, signOutResult(requestId, [userResult('alice@contoso.com', 1)]), {
        trail,
        events: [{ type: 'request-finished', status: 'completed' }],
    });
}

describe('sealed records', () => {
    it('closes a finished request with its closing events and a seal of the record, anchored on the seal', async () => {
        await finished('seal-1');
        const trail = await store.listEvents('seal-1');
        expect(trail.map((e) => e.type)).toEqual([
            'attempt-started',
            'step-outcome',
            'request-finished',
            'record-sealed',
        ]);
        expect(trail[3]).toMatchObject({
            status: 'completed',
            data: { fields: { state: 'completed', caller: { id: 'itsm-connector' }, ticketNumber: 'INC0012345' } },
        });
        expect(await store.verifyTrail('seal-1')).toEqual({
            ok: true,
            requestsChecked: 1,
            eventsChecked: 4,
            keyedEvents: 0,
        });
    });

    it('catches the final event deleted', async () => {
        await finished('seal-tail');
        await deleteEvent('seal-tail', 4);
        expect(await store.verifyTrail('seal-tail')).toMatchObject({
            ok: false,
            sequence: 4,
            problem: expect.stringContaining('gap'),
        });
    });

    it('catches record fields a reader relies on edited in the table, naming the field', async () => {
        await finished('seal-state');
        await editRecord('seal-state', { state: 'failed' });
        expect(await store.verifyTrail('seal-state')).toMatchObject({
            ok: false,
            sequence: 4,
            problem: expect.stringContaining('state is "failed", sealed as "completed"'),
        });

        await finished('seal-caller');
        await editRecord('seal-caller', { callerId: 'someone-else', reason: 'Routine' });
        expect(await store.verifyTrail('seal-caller')).toMatchObject({
            ok: false,
            problem: expect.stringContaining('caller'),
        });
    });

    it('catches a result rewritten in the table', async () => {
        await finished('seal-result');
        const stored = await store.getRequest('seal-result');
        const rewritten = { ...stored!.result!, status: 'failed' };
        await editRecord('seal-result', { result_0: JSON.stringify(rewritten), resultParts: 1 });
        expect(await store.verifyTrail('seal-result')).toMatchObject({
            ok: false,
            problem: expect.stringContaining('resultSha256'),
        });
    });

    it('catches a record set back to running, or stripped of its anchor', async () => {
        await finished('seal-back');
        await editRecord('seal-back', { state: 'running' });
        expect(await store.verifyTrail('seal-back')).toMatchObject({
            ok: false,
            problem: expect.stringContaining('running'),
        });

        await finished('seal-unanchored');
        const key = { partitionKey: requestKeyOf('seal-unanchored'), rowKey: RECORD_ROW_KEY };
        const entity = await records().getEntity(key.partitionKey, key.rowKey);
        const { anchorSequence: _sequence, anchorHash: _hash, ...unanchored } = entity;
        await records().updateEntity({ ...unanchored, ...key }, 'Replace');
        expect(await store.verifyTrail('seal-unanchored')).toMatchObject({
            ok: false,
            problem: expect.stringContaining('not sealed'),
        });
    });

    it('moves the anchor along with events appended after the finish, so deleting them shows too', async () => {
        await finished('seal-after');
        await (await store.openTrail('seal-after')).append([{ type: 'callback-delivered', status: '200' }]);
        await (await store.openTrail('seal-after')).append([{ type: 'reconnect-cancelled' }]);
        expect(await store.verifyTrail('seal-after')).toMatchObject({ ok: true, eventsChecked: 6 });
        await deleteEvent('seal-after', 6);
        expect(await store.verifyTrail('seal-after')).toMatchObject({ ok: false, sequence: 6 });
    });

    it('seals a state set without a result, e.g. dead-lettered', async () => {
        await store.claimRequest(newRecord('seal-dead'));
        await store.setState('seal-dead', 'dead-lettered', 'delivery failed 5 times', {
            events: [{ type: 'dead-lettered', status: 'dead-lettered' }],
        });
        expect((await store.listEvents('seal-dead')).map((e) => e.type)).toEqual(['dead-lettered', 'record-sealed']);
        expect(await store.verifyTrail('seal-dead')).toMatchObject({ ok: true });
        await editRecord('seal-dead', { stateDetail: 'the requester withdrew it' });
        expect(await store.verifyTrail('seal-dead')).toMatchObject({
            ok: false,
            problem: expect.stringContaining('stateDetail'),
        });
    });

    it('seals a record claimed in a final state once, however often it is asked to', async () => {
        const { request: _request, ...refused } = newRecord('seal-rejected');
        await store.claimRequest({
            ...refused,
            state: 'rejected',
            userCount: 0,
            problems: [{ field: 'users', reason: 'must name at least one user' }],
        });
        expect(await store.verifyTrail('seal-rejected')).toMatchObject({
            ok: false,
            problem: expect.stringContaining('not sealed'),
        });
        const closing = { events: [{ type: 'request-rejected', status: 'rejected' }] };
        await store.sealRecord('seal-rejected', closing);
        await store.sealRecord('seal-rejected', closing);
        expect((await store.listEvents('seal-rejected')).map((e) => e.type)).toEqual([
            'request-rejected',
            'record-sealed',
        ]);
        expect(await store.verifyTrail('seal-rejected')).toMatchObject({ ok: true, eventsChecked: 2 });
        await editRecord('seal-rejected', { problems_0: '[]' });
        expect(await store.verifyTrail('seal-rejected')).toMatchObject({
            ok: false,
            problem: expect.stringContaining('problemsSha256'),
        });
    });
});
