import type { TableEntity, TransactionAction } from '@azure/data-tables';
import { entitySize, type EntityProperties } from './entityCodec';

/**
 * A transaction holds at most 100 entities of one partition (platform-facts §7) and its request body at most
 * 4 MiB (Azure "Performing entity group transactions"); batches stay under both, with room for the envelope.
 */
export const MAX_TRANSACTION_ENTITIES = 100;
const MAX_TRANSACTION_BYTES = 2 * 1024 * 1024;

/** Splits items holding same-partition entities into transaction-sized batches, keeping their order. */
export function transactionBatches<T>(
    items: readonly T[],
    entityOf: (item: T) => TableEntity<EntityProperties>,
): T[][] {
    const batches: T[][] = [];
    let current: T[] = [];
    let bytes = 0;
    for (const item of items) {
        const { partitionKey, rowKey, ...properties } = entityOf(item);
        // Binary values travel base64-encoded, a third larger than counted; doubling the count covers it.
        const size = 2 * entitySize(partitionKey, rowKey, properties as EntityProperties);
        if (
            current.length > 0 &&
            (current.length === MAX_TRANSACTION_ENTITIES || bytes + size > MAX_TRANSACTION_BYTES)
        ) {
            batches.push(current);
            current = [];
            bytes = 0;
        }
        current.push(item);
        bytes += size;
    }
    if (current.length > 0) batches.push(current);
    return batches;
}

export function deleteActions(keys: readonly { partitionKey: string; rowKey: string }[]): TransactionAction[] {
    return keys.map(({ partitionKey, rowKey }) => ['delete', { partitionKey, rowKey }]);
}
