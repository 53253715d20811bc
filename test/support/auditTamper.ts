import { TableClient } from '@azure/data-tables';
import { prepareEvent } from '../../src/clients/audit/eventEntity';
import { GENESIS_HASH } from '../../src/clients/audit/hashChain';
import { requestKeyOf } from '../../src/clients/audit/keys';
import { SEAL_EVENT, sealEvent, sealOf } from '../../src/clients/audit/recordSeal';
import { anchorColumns, RECORD_ROW_KEY } from '../../src/clients/audit/requestEntity';
import { signingKeyFrom } from '../../src/clients/audit/signingKey';
import type { AuditStore, RequestRecord } from '../../src/core/ports/auditStore';

export interface Rewrite {
    /** Record columns to change, e.g. `{ state: 'failed', callerId: 'someone-else' }`. */
    record: Partial<Pick<RequestRecord, 'state' | 'reason' | 'ticketNumber'>> & { callerId?: string };
    /** Signs the rewritten events with this key; without it they are plain SHA-256 (no key id). */
    key?: string;
    /** First sequence rewritten (default 1): the events before it are kept as they are. */
    from?: number;
}

/**
 * What someone with write access to the audit tables and this code could do: change a record, seal the change in its
 * `record-sealed` event, and recompute the chain from there and the record's anchor, so that every link holds.
 */
export async function rewriteTrail(
    connectionString: string,
    tablePrefix: string,
    audit: AuditStore,
    requestId: string,
    rewrite: Rewrite,
): Promise<void> {
    const table = (name: string) =>
        TableClient.fromConnectionString(connectionString, `${tablePrefix}${name}`, { allowInsecureConnection: true });
    const record = (await audit.getRequest(requestId)) as RequestRecord;
    const { callerId, ...fields } = rewrite.record;
    const edited: RequestRecord = {
        ...record,
        ...fields,
        caller: { ...record.caller, ...(callerId && { id: callerId }) },
    };
    const events = await audit.listEvents(requestId);
    const from = rewrite.from ?? 1;
    const key = rewrite.key === undefined ? undefined : signingKeyFrom(rewrite.key);
    let previousHash = events[from - 2]?.hash ?? GENESIS_HASH;
    let last = { sequence: 0, hash: '' };
    for (const event of events.slice(from - 1)) {
        const input = event.type === SEAL_EVENT ? sealEvent(sealOf(edited)) : event;
        const { type, step, user, system, status, detail, data } = input;
        const position = { requestId, sequence: event.sequence, at: event.at, previousHash };
        const prepared = prepareEvent({ type, step, user, system, status, detail, data }, position, key);
        await table('Events').upsertEntity(prepared.entity, 'Replace');
        previousHash = prepared.event.hash;
        last = { sequence: event.sequence, hash: prepared.event.hash };
    }
    await table('Requests').updateEntity(
        {
            partitionKey: requestKeyOf(requestId),
            rowKey: RECORD_ROW_KEY,
            ...fields,
            ...(callerId && { callerId }),
            ...anchorColumns(last),
        },
        'Merge',
    );
}
