import type { TableEntity } from '@azure/data-tables';
import type { EntityProperties } from './entityCodec';
import { monthPartition, timeOf, timeRowKey } from './keys';

/**
 * The timeline: every request once, partition = month (numbered backwards), row = inverted creation time and
 * request id, so a plain scan lists newest first and a time range is a key range.
 */
function timelineKeys(requestId: string, createdAt: string): { partitionKey: string; rowKey: string } {
    const ms = timeOf(createdAt, 'createdAt');
    return { partitionKey: monthPartition(ms), rowKey: timeRowKey(ms, requestId) };
}

export function timelineEntity(requestId: string, createdAt: string): TableEntity<EntityProperties> {
    return { ...timelineKeys(requestId, createdAt), requestId, createdAt };
}

/**
 * The timeline row is written before the claim, so a request is never invisible to retention; a claim that then
 * loses to an earlier one (created at another time) leaves a row that does not belong to the stored request.
 */
export function timelineRowBelongsTo(
    row: { partitionKey: string; rowKey: string },
    requestId: string,
    createdAt: string,
): boolean {
    if (!Number.isFinite(Date.parse(createdAt))) return false;
    const keys = timelineKeys(requestId, createdAt);
    return keys.partitionKey === row.partitionKey && keys.rowKey === row.rowKey;
}
