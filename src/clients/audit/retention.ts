import { odata, type TableClient } from '@azure/data-tables';
import type { PurgeReport } from '../../core/ports/auditStore';
import { mapWithConcurrency } from '../../core/concurrency';
import { optionalString } from './entityFields';
import {
    requestIdOfTimeRowKey,
    requestKeyOf,
    timeFilterClauses,
    timeKeyBounds,
    timeOf,
    timeRowKey,
    userKeyOf,
} from './keys';
import { RECORD_ROW_KEY, USER_REF_ROW_PREFIX } from './requestEntity';
import { statusOf, storageCall, toStorageError } from './storageErrors';
import { anyEntity, listAll, streamEntities, type StoredEntity } from './tableReads';
import { deleteActions, MAX_TRANSACTION_ENTITIES } from './transactions';
import type { AuditTables } from './auditTables';
import { timelineRowBelongsTo } from './timeline';

const FAN_OUT = 8;

interface EntityKey {
    partitionKey: string;
    rowKey: string;
}

/**
 * Deletes requests created before `cutoffMs` with their events, user-index entries and timeline rows, at most
 * `maxEntities` entities per call. Each request goes events first, then index entries, then its record, and its
 * timeline row last: an interrupted run leaves the timeline row, so the next run finds and finishes it.
 * Watches and holds are live state, not history; the sweep removes them when they end. Until then their request is
 * kept whole, however old: the sweep still appends to its trail (a release, a cancelled reconnect), and a permanent
 * hold keeps its evidence for as long as it lasts.
 */
export async function purgeRequestsBefore(
    tables: AuditTables,
    cutoffMs: number,
    maxEntities: number,
): Promise<PurgeReport> {
    const report: PurgeReport = { requests: 0, events: 0, indexEntries: 0, kept: 0, complete: true };
    if (cutoffMs <= 0) return report;
    const budget = { left: maxEntities };
    const filter = timeFilterClauses(timeKeyBounds({ to: cutoffMs }), true).join(' and ');
    for await (const row of streamEntities(tables.timeline, { queryOptions: { filter } }, 'list expired requests')) {
        if (!(await purgeRequest(tables, row, budget, report))) return { ...report, complete: false };
    }
    return report;
}

/** Purges one request within the budget; false when the budget ran out first. */
async function purgeRequest(
    tables: AuditTables,
    timelineRow: StoredEntity,
    budget: { left: number },
    report: PurgeReport,
): Promise<boolean> {
    const requestId = optionalString(timelineRow, 'requestId') ?? requestIdOfTimeRowKey(timelineRow.rowKey);
    const partitionKey = requestKeyOf(requestId);
    const inPartition = odata`PartitionKey eq ${partitionKey}`;
    const requestRows = await listAll(tables.requests, { queryOptions: { filter: inPartition } }, 'list request rows');
    const record = requestRows.find((row) => row.rowKey === RECORD_ROW_KEY);
    const createdAt = record && optionalString(record, 'createdAt');
    // A timeline row left by a claim that lost the race names a request created at another time: only it goes.
    if (record && !(createdAt && timelineRowBelongsTo(timelineRow, requestId, createdAt))) {
        return deleteWithin(tables.timeline, [timelineRow], budget);
    }
    if (await hasLiveState(tables, inPartition)) {
        report.kept += 1;
        return true;
    }

    const events = await listAll(
        tables.events,
        { queryOptions: { filter: inPartition, select: ['RowKey'] } },
        'list events',
    );
    const eventsDeleted = await deleteRows(tables.events, events.slice(0, budget.left));
    budget.left -= eventsDeleted;
    report.events += eventsDeleted;
    if (eventsDeleted < events.length) return false;

    const userRefs = requestRows.filter((row) => row.rowKey.startsWith(USER_REF_ROW_PREFIX));
    // Each reference costs two deletions: the index entry, then the reference itself.
    const refs = userRefs.slice(0, Math.floor(budget.left / 2));
    const indexDeleted = await mapWithConcurrency(refs, FAN_OUT, (ref) =>
        deleteIndexEntry(tables.userIndex, ref, requestId),
    );
    report.indexEntries += indexDeleted.filter(Boolean).length;
    budget.left -= refs.length + (await deleteRows(tables.requests, refs));
    if (refs.length < userRefs.length) return false;

    if (record) {
        if (budget.left < 1) return false;
        budget.left -= await deleteRows(tables.requests, [record]);
        report.requests += 1;
    }
    return deleteWithin(tables.timeline, [timelineRow], budget);
}

/** Whether the request still has a hold to release or a watch to keep (both are partitioned by request id). */
async function hasLiveState(tables: AuditTables, inPartition: string): Promise<boolean> {
    const live = await Promise.all(
        [tables.holds, tables.watches].map((table) =>
            anyEntity(table, inPartition, `look for live state in ${table.tableName}`),
        ),
    );
    return live.some(Boolean);
}

async function deleteWithin(table: TableClient, rows: EntityKey[], budget: { left: number }): Promise<boolean> {
    if (budget.left < rows.length) return false;
    budget.left -= await deleteRows(table, rows);
    return true;
}

async function deleteIndexEntry(userIndex: TableClient, ref: StoredEntity, requestId: string): Promise<boolean> {
    const userKey = optionalString(ref, 'userKey');
    const at = optionalString(ref, 'at');
    if (userKey === undefined || at === undefined) return false;
    return deleteOne(userIndex, { partitionKey: userKeyOf(userKey), rowKey: timeRowKey(timeOf(at, 'at'), requestId) });
}

/**
 * Deletes rows of one partition in transactions of at most 100 (platform-facts §7). A row already gone fails its
 * whole transaction (404), e.g. when two purges overlap; that batch is then deleted row by row. Returns how many
 * rows were handled (deleted now or found gone), which is what the budget counts.
 */
async function deleteRows(table: TableClient, rows: readonly EntityKey[]): Promise<number> {
    for (let start = 0; start < rows.length; start += MAX_TRANSACTION_ENTITIES) {
        const batch = rows.slice(start, start + MAX_TRANSACTION_ENTITIES);
        try {
            await table.submitTransaction(deleteActions(batch));
        } catch (error) {
            if (statusOf(error) !== 404) throw toStorageError(error, `purge from ${table.tableName}`);
            await mapWithConcurrency(batch, FAN_OUT, (row) => deleteOne(table, row));
        }
    }
    return rows.length;
}

/** True when this call deleted the row, false when it was already gone. */
async function deleteOne(table: TableClient, row: EntityKey): Promise<boolean> {
    return storageCall(`purge from ${table.tableName}`, async () => {
        try {
            await table.deleteEntity(row.partitionKey, row.rowKey);
            return true;
        } catch (error) {
            if (statusOf(error) === 404) return false;
            throw error;
        }
    });
}
