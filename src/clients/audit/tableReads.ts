import type { ListTableEntitiesOptions, TableClient, TableEntityResult } from '@azure/data-tables';
import { statusOf, storageCall } from './storageErrors';

/** Keys are always present: every query here selects them (or selects nothing, which returns everything). */
export type StoredEntity = TableEntityResult<Record<string, unknown>> & { partitionKey: string; rowKey: string };

/** One entity, or undefined when it does not exist (404). */
export async function readEntity(
    table: TableClient,
    partitionKey: string,
    rowKey: string,
    operation: string,
    select?: string[],
): Promise<StoredEntity | undefined> {
    return storageCall(operation, async () => {
        try {
            const options = select ? { queryOptions: { select: [...select, 'PartitionKey', 'RowKey'] } } : {};
            return (await table.getEntity(partitionKey, rowKey, options)) as StoredEntity;
        } catch (error) {
            if (statusOf(error) === 404) return undefined;
            throw error;
        }
    });
}

/** Every entity a query matches, across pages; for partitions known to be small (one request's rows). */
export async function listAll(
    table: TableClient,
    options: ListTableEntitiesOptions,
    operation: string,
): Promise<StoredEntity[]> {
    return storageCall(operation, async () => {
        const entities: StoredEntity[] = [];
        for await (const entity of table.listEntities<Record<string, unknown>>(withKeys(options))) {
            entities.push(entity as StoredEntity);
        }
        return entities;
    });
}

/** Whether a query matches anything; reads one key at most. */
export async function anyEntity(table: TableClient, filter: string, operation: string): Promise<boolean> {
    const pages = table
        .listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })
        .byPage({ maxPageSize: 1 });
    // The service may answer an empty page with a continuation token (e.g. at a partition boundary): follow it.
    for (;;) {
        const page = await storageCall(operation, () => pages.next());
        if (page.done) return false;
        if (page.value.length > 0) return true;
    }
}

/** Streams a query's entities, mapping storage failures as they surface between pages. */
export async function* streamEntities(
    table: TableClient,
    options: ListTableEntitiesOptions,
    operation: string,
): AsyncGenerator<StoredEntity> {
    const pages = table.listEntities<Record<string, unknown>>(withKeys(options)).byPage();
    for (;;) {
        const page = await storageCall(operation, () => pages.next());
        if (page.done) return;
        yield* page.value as StoredEntity[];
    }
}

function withKeys(options: ListTableEntitiesOptions): ListTableEntitiesOptions {
    const select = options.queryOptions?.select;
    if (!select) return options;
    return { ...options, queryOptions: { ...options.queryOptions, select: [...select, 'PartitionKey', 'RowKey'] } };
}
