import { odata, type TableClient } from '@azure/data-tables';
import { ServiceError, TransientServiceError, ValidationError } from '../../core/errors';
import {
    LeaseLostError,
    RequestNotFoundError,
    type AttemptOutcome,
    type AuditEvent,
    type AuditStore,
    type AuditTrail,
    type ClaimOutcome,
    type Closing,
    type FinalState,
    type HistoryQuery,
    type HoldRecord,
    type NewRequestRecord,
    type Page,
    type PurgeReport,
    type RequestRecord,
    type RequestSummary,
    type UsageEntry,
    type VerifyReport,
    type WatchRecord,
} from '../../core/ports/auditStore';
import { displayRecord } from '../../core/service/publicRecord';
import { FINAL_STATES, type RequestProgress, type SignOutResult } from '../../core/result';
import { openAuditTables, type AuditTables } from './auditTables';
import { mapWithConcurrency } from '../../core/concurrency';
import { optionalString } from './entityFields';
import { decodeEvent } from './eventEntity';
import { canonicalJson, findChainBreak, type TrailAnchor } from './hashChain';
import { decodeHold, holdEntity, holdKeys, type HoldKey } from './holdEntity';
import {
    isEmptyRange,
    requestIdOfTimeRowKey,
    requestKeyOf,
    sequenceRowKey,
    timeFilterClauses,
    timeKeyBounds,
    timeOf,
    timeRangeOf,
    userKeyOf,
    type TimeRange,
} from './keys';
import { releaseLease, tryAcquireLease } from './leases';
import { decodePageToken, encodePageToken, invalidPageToken } from './pageToken';
import { findSealBreak, SEAL_EVENT, sealEvent, sealOf, type RecordSeal } from './recordSeal';
import {
    anchorColumns,
    decodeRecord,
    decodeSummary,
    PROGRESS_COLUMN,
    RECORD_ROW_KEY,
    recordEntity,
    recordScalars,
    sanitizeRecord,
    SUMMARY_FIELDS,
    type StoredRecord,
} from './requestEntity';
import { purgeRequestsBefore } from './retention';
import { signingKeyFrom, type SigningKey } from './signingKey';
import { statusOf, storageCall, toStorageError } from './storageErrors';
import { TableAuditTrail } from './tableAuditTrail';
import type { TableConnection } from './tableConnection';
import { listAll, readEntity, streamEntities, type StoredEntity } from './tableReads';
import { timelineEntity, timelineRowBelongsTo } from './timeline';
import { transactionBatches } from './transactions';
import { decodeUsage, usageEntity, usageKey, USAGE_ROW_KEY } from './usageEntity';
import { indexEntry, userReference } from './userIndex';
import { decodeWatch, watchEntity, watchKeys } from './watchEntity';
import { groupBy } from '../../core/groupBy';

export interface TableAuditStoreOptions {
    connection: TableConnection;
    /** Letters and digits, starting with a letter: `signout` gives `signoutRequests`, `signoutEvents`, ... */
    tablePrefix: string;
    /** `AUDIT_SIGNING_KEY`: makes every chain hash appended from now on an HMAC (docs/audit.md, "Keyed chain"). */
    signingKey?: string;
    /** For tests; defaults to the system clock. */
    clock?: () => Date;
}

/** A seal appended to a trail, and the anchor it gives the record. */
interface AppendedSeal {
    seal: RecordSeal;
    anchor: TrailAnchor;
}

const DEFAULT_PAGE_SIZE = 50;
/** The service returns at most 1000 entities per query page. */
const MAX_PAGE_SIZE = 1000;
const DEFAULT_PURGE_ENTITIES = 1000;
/** Re-reads after an etag conflict (412) or a lost create (409) before reporting contention as transient. */
const MAX_CONCURRENCY_ROUNDS = 8;
/** Point reads and writes in flight at once when one call touches many partitions. */
const FAN_OUT = 8;
/** Index rows in flight at once: a bulk request writes two per user, one partition each, off its critical path. */
const INDEX_FAN_OUT = 32;

/**
 * The audit store over Azure Table Storage. Table design, keys and limits: docs/audit.md. Storage failures
 * surface as `ServiceError` / `TransientServiceError` (service `storage`); bad input as `ValidationError`.
 */
export class TableAuditStore implements AuditStore {
    private constructor(
        private readonly tables: AuditTables,
        private readonly clock: () => Date,
        private readonly signingKey: SigningKey | undefined,
    ) {}

    /** Opens the store, creating its tables when missing. */
    static async create(options: TableAuditStoreOptions): Promise<TableAuditStore> {
        const tables = await openAuditTables(options.connection, options.tablePrefix);
        return new TableAuditStore(
            tables,
            options.clock ?? (() => new Date()),
            options.signingKey === undefined ? undefined : signingKeyFrom(options.signingKey),
        );
    }

    async claimRequest(newRecord: NewRequestRecord): Promise<ClaimOutcome> {
        const record = sanitizeRecord({ ...newRecord, updatedAt: this.now(), attempts: 0 });
        const entity = recordEntity(record);
        const timelineRow = timelineEntity(record.requestId, record.createdAt);
        // Timeline first: a crash between the two writes leaves a timeline row without a record (skipped by
        // readers, removed by retention), never a record that retention cannot find.
        await storageCall('add request to timeline', () => this.tables.timeline.upsertEntity(timelineRow, 'Replace'));
        for (let round = 0; round < MAX_CONCURRENCY_ROUNDS; round++) {
            try {
                const created = await this.tables.requests.createEntity(entity);
                return { claimed: true, record: decodeRecord({ ...entity, etag: created.etag ?? '' }).record };
            } catch (error) {
                // 409: the id is already known (platform-facts §7), so this request must not run again.
                if (statusOf(error) !== 409) throw toStorageError(error, `claim request ${record.requestId}`);
            }
            const existing = await this.readRecord(record.requestId);
            if (existing) {
                await this.dropTimelineRowOfLostClaim(timelineRow, existing.record);
                return { claimed: false, existing: existing.record };
            }
        }
        throw contention(`claim request ${record.requestId}`);
    }

    async getRequest(requestId: string): Promise<RequestRecord | undefined> {
        return (await this.readRecord(requestId))?.record;
    }

    async startAttempt(
        requestId: string,
        owner: string,
        leaseInMs: number,
        now = this.clock(),
    ): Promise<AttemptOutcome> {
        for (let round = 0; round < MAX_CONCURRENCY_ROUNDS; round++) {
            const stored = await this.readRecord(requestId);
            if (!stored) return { kind: 'unknown' };
            const { record, etag } = stored;
            if (FINAL_STATES.includes(record.state)) return { kind: 'final', record };
            const leaseHeld = record.leaseUntil !== undefined && Date.parse(record.leaseUntil) > now.getTime();
            if (record.leaseOwner !== undefined && record.leaseOwner !== owner && leaseHeld) {
                return { kind: 'busy', record };
            }
            const next: RequestRecord = {
                ...record,
                state: 'running',
                attempts: record.attempts + 1,
                leaseOwner: owner,
                leaseUntil: new Date(now.getTime() + leaseInMs).toISOString(),
                updatedAt: this.now(),
            };
            // Merge with the etag: only the scalars change, and a concurrent writer makes this fail with 412.
            if (await this.writeRecord(requestId, recordScalars(next), 'Merge', etag))
                return { kind: 'acquired', record: next };
        }
        throw contention(`start attempt on ${requestId}`);
    }

    async renewAttempt(requestId: string, owner: string, leaseInMs: number, now = this.clock()): Promise<boolean> {
        for (let round = 0; round < MAX_CONCURRENCY_ROUNDS; round++) {
            const stored = await this.readRecord(requestId);
            if (!stored || stored.record.leaseOwner !== owner || FINAL_STATES.includes(stored.record.state))
                return false;
            const next = { ...stored.record, leaseUntil: new Date(now.getTime() + leaseInMs).toISOString() };
            if (await this.writeRecord(requestId, recordScalars(next), 'Merge', stored.etag)) return true;
        }
        throw contention(`renew attempt on ${requestId}`);
    }

    /** Clears the lease if `owner` still holds it; the state stays, so the next attempt takes over at once. */
    async releaseAttempt(requestId: string, owner: string): Promise<void> {
        for (let round = 0; round < MAX_CONCURRENCY_ROUNDS; round++) {
            const stored = await this.readRecord(requestId);
            if (stored?.record.leaseOwner !== owner) return;
            const { leaseOwner: _leaseOwner, leaseUntil: _leaseUntil, ...record } = stored.record;
            // Replace, because a merge cannot remove the lease columns.
            const entity = recordEntity({ ...record, updatedAt: this.now() }, stored.anchor);
            if (await this.writeRecord(requestId, entity, 'Replace', stored.etag)) return;
        }
        throw contention(`release attempt on ${requestId}`);
    }

    /**
     * Checks the lease, appends the closing events and the seal of the record as it will be stored, then writes the
     * record anchored on the seal. A crash in between leaves a running record whose lease runs out; the next attempt
     * seals again, and the anchor names the seal that counts.
     */
    async finishRequest(
        requestId: string,
        owner: string,
        result: SignOutResult,
        closing: Closing = {},
    ): Promise<RequestRecord> {
        let appended: AppendedSeal | undefined;
        for (let round = 0; round < MAX_CONCURRENCY_ROUNDS; round++) {
            const stored = await this.readRecord(requestId);
            if (!stored) throw new RequestNotFoundError(requestId);
            const { leaseOwner, leaseUntil: _leaseUntil, ...record } = stored.record;
            const finished = sanitizeRecord({ ...record, state: result.status, result, updatedAt: this.now() });
            if (leaseOwner !== owner) {
                // A retried call whose first write went through finds its own result, not a lost lease.
                if (FINAL_STATES.includes(stored.record.state) && sameStoredResult(stored.record, finished)) {
                    return stored.record;
                }
                throw new LeaseLostError(requestId, owner, leaseOwner);
            }
            appended = await this.appendSeal(requestId, finished, closing, appended);
            // Replace, not merge: the lease columns go, and result columns of another size must not linger.
            const entity = recordEntity(finished, appended.anchor);
            // What was stored, which for a very large result is a reduced form of it.
            if (await this.writeRecord(requestId, entity, 'Replace', stored.etag)) {
                return decodeRecord({ ...entity, etag: '' }).record;
            }
        }
        throw contention(`finish request ${requestId}`);
    }

    async setState(requestId: string, state: FinalState, detail?: string, closing: Closing = {}): Promise<void> {
        let appended: AppendedSeal | undefined;
        for (let round = 0; round < MAX_CONCURRENCY_ROUNDS; round++) {
            const stored = await this.readRecord(requestId);
            if (!stored) throw new RequestNotFoundError(requestId);
            const next = sanitizeRecord({
                ...stored.record,
                state,
                updatedAt: this.now(),
                ...(detail !== undefined && { stateDetail: detail }),
            });
            appended = await this.appendSeal(requestId, next, closing, appended);
            const properties = { ...recordScalars(next), ...anchorColumns(appended.anchor) };
            if (await this.writeRecord(requestId, properties, 'Merge', stored.etag)) return;
        }
        throw contention(`set state of ${requestId}`);
    }

    async recordProgress(requestId: string, owner: string, progress: RequestProgress): Promise<void> {
        const stored = await this.readRecord(requestId);
        if (!stored || stored.record.leaseOwner !== owner || FINAL_STATES.includes(stored.record.state)) return;
        // With the etag: a record finished meanwhile is not given progress back; a lost race just skips this one.
        await this.writeRecord(requestId, { [PROGRESS_COLUMN]: JSON.stringify(progress) }, 'Merge', stored.etag);
    }

    async markEnqueued(requestId: string, at: string): Promise<void> {
        // A merge of one column without an etag: whatever else changed meanwhile stays, and writers holding an
        // older etag re-read before they replace the record.
        const entity = { partitionKey: requestKeyOf(requestId), rowKey: RECORD_ROW_KEY, enqueuedAt: at };
        await storageCall(`mark ${requestId} enqueued`, () => this.tables.requests.updateEntity(entity, 'Merge'));
    }

    async updateCallerUsage<T>(
        callerKey: string,
        change: (entries: readonly UsageEntry[]) => { entries: readonly UsageEntry[]; result: T },
    ): Promise<T> {
        const partitionKey = usageKey(callerKey);
        for (let round = 0; round < MAX_CONCURRENCY_ROUNDS; round++) {
            const stored = await readEntity(this.tables.usage, partitionKey, USAGE_ROW_KEY, 'read caller usage');
            const before = stored ? decodeUsage(stored) : [];
            const { entries, result } = change(before);
            if (canonicalJson(entries) === canonicalJson(before)) return result;
            const entity = usageEntity(callerKey, entries);
            try {
                // Create when new (409 if another writer did first), else replace with the etag (412 if changed).
                if (stored) await this.tables.usage.updateEntity(entity, 'Replace', { etag: stored.etag });
                else await this.tables.usage.createEntity(entity);
                return result;
            } catch (error) {
                const status = statusOf(error);
                if (status !== 409 && status !== 412 && status !== 404)
                    throw toStorageError(error, `update usage of ${callerKey}`);
            }
        }
        throw contention(`update usage of ${callerKey}`);
    }

    async sealRecord(requestId: string, closing: Closing = {}): Promise<void> {
        let appended: AppendedSeal | undefined;
        for (let round = 0; round < MAX_CONCURRENCY_ROUNDS; round++) {
            const stored = await this.readRecord(requestId);
            if (!stored) throw new RequestNotFoundError(requestId);
            if (stored.anchor && !appended) return;
            if (!FINAL_STATES.includes(stored.record.state))
                throw new ValidationError([
                    { field: 'state', reason: `is ${stored.record.state}: only a final record is sealed` },
                ]);
            appended = await this.appendSeal(requestId, stored.record, closing, appended);
            if (await this.writeRecord(requestId, anchorColumns(appended.anchor), 'Merge', stored.etag)) return;
        }
        throw contention(`seal request ${requestId}`);
    }

    async openTrail(requestId: string): Promise<AuditTrail> {
        requestKeyOf(requestId); // An id that can never be a key fails here, not at the first append.
        return TableAuditTrail.open(requestId, this.tables.events, () => this.listEvents(requestId), this.clock, {
            ...(this.signingKey && { key: this.signingKey }),
            afterAppend: (events) => this.followTail(requestId, events),
        });
    }

    async listEvents(requestId: string): Promise<AuditEvent[]> {
        return (await this.eventEntities(requestId)).map(decodeEvent);
    }

    async verifyTrail(requestId: string): Promise<VerifyReport> {
        const [stored, entities] = await Promise.all([this.readRecord(requestId), this.eventEntities(requestId)]);
        return verifyEntities(requestId, stored, entities, this.signingKey);
    }

    async verifyRange(from: Date, to: Date): Promise<VerifyReport> {
        let requestsChecked = 0;
        let eventsChecked = 0;
        let keyedEvents = 0;
        for await (const stored of this.recordsInRange(timeRangeOf(from, to))) {
            const report = verifyEntities(
                stored.record.requestId,
                stored,
                await this.eventEntities(stored.record.requestId),
                this.signingKey,
            );
            requestsChecked += report.requestsChecked;
            eventsChecked += report.eventsChecked;
            keyedEvents += report.keyedEvents;
            if (!report.ok) return { ...report, requestsChecked, eventsChecked, keyedEvents };
        }
        return { ok: true, requestsChecked, eventsChecked, keyedEvents };
    }

    /**
     * `at` is always the request's creation time, so indexing a key again writes the same rows: no entry is ever left
     * behind at another time for retention to miss.
     */
    async indexUser(requestId: string, userKeys: readonly string[], at: string): Promise<void> {
        const atMs = timeOf(at, 'at');
        const keys = [...new Set(userKeys.map((key) => key.toLowerCase()).filter((key) => key !== ''))];
        const references = keys.map((key) => userReference(key, requestId, at));
        // References before entries, in transactions of at most 100 rows of the request's partition.
        await mapWithConcurrency(
            transactionBatches(references, (reference) => reference),
            FAN_OUT,
            (batch) =>
                storageCall('write user references', () =>
                    this.tables.requests.submitTransaction(batch.map((reference) => ['upsert', reference, 'Replace'])),
                ),
        );
        // One partition per user key: no transaction spans them, so they go side by side.
        await mapWithConcurrency(keys, INDEX_FAN_OUT, (key) =>
            storageCall('index user', () =>
                this.tables.userIndex.upsertEntity(indexEntry(key, requestId, atMs, at), 'Replace'),
            ),
        );
    }

    async userHistory(userKey: string, query: HistoryQuery = {}): Promise<Page<RequestSummary>> {
        const partitionKey = keyOrUndefined(() => userKeyOf(userKey));
        if (partitionKey === undefined) return { items: [] };
        const range = timeRangeOf(query.from, query.to);
        if (isEmptyRange(range)) return { items: [] };
        const clauses = [odata`PartitionKey eq ${partitionKey}`, ...timeFilterClauses(timeKeyBounds(range), false)];
        return this.summaryPage(this.tables.userIndex, clauses, query, () => true);
    }

    async listRecent(query: HistoryQuery = {}): Promise<Page<RequestSummary>> {
        const range = timeRangeOf(query.from, query.to);
        if (isEmptyRange(range)) return { items: [] };
        return this.summaryPage(
            this.tables.timeline,
            timeFilterClauses(timeKeyBounds(range), true),
            query,
            (row, summary) => timelineRowBelongsTo(row, summary.requestId, summary.createdAt),
        );
    }

    /**
     * One line per request, newest first: `{"requestId", "record", "events"}` followed by a newline. An export is
     * shown and kept elsewhere: records are display copies (no callback secret).
     */
    async *exportRange(from: Date, to: Date): AsyncIterable<string> {
        for await (const { record } of this.recordsInRange(timeRangeOf(from, to))) {
            const events = await this.listEvents(record.requestId);
            yield `${JSON.stringify({ requestId: record.requestId, record: displayRecord(record), events })}\n`;
        }
    }

    async purgeOlderThan(cutoff: Date, options: { maxEntities?: number } = {}): Promise<PurgeReport> {
        const maxEntities = options.maxEntities ?? DEFAULT_PURGE_ENTITIES;
        // Two, because an index entry and its back-reference go together: any smaller budget could never progress.
        if (!Number.isInteger(maxEntities) || maxEntities < 2) {
            throw new ValidationError([{ field: 'maxEntities', reason: 'must be an integer of at least 2' }]);
        }
        return purgeRequestsBefore(this.tables, timeOf(cutoff, 'cutoff'), maxEntities);
    }

    async upsertWatches(watches: readonly WatchRecord[]): Promise<void> {
        const byRequest = groupBy(watches.map(watchEntity), (entity) => entity.partitionKey);
        const batches = [...byRequest.values()].flatMap((entities) => transactionBatches(entities, (e) => e));
        await mapWithConcurrency(batches, FAN_OUT, (batch) =>
            storageCall('upsert watches', () =>
                this.tables.watches.submitTransaction(batch.map((entity) => ['upsert', entity, 'Replace'])),
            ),
        );
    }

    async upsertWatch(watch: WatchRecord): Promise<void> {
        await storageCall('upsert watch', () => this.tables.watches.upsertEntity(watchEntity(watch), 'Replace'));
    }

    async listWatches(): Promise<WatchRecord[]> {
        return (await listAll(this.tables.watches, {}, 'list watches')).map(decodeWatch);
    }

    async deleteWatch(requestId: string, objectId: string): Promise<void> {
        await this.deleteIfPresent(this.tables.watches, watchKeys(requestId, objectId));
    }

    async upsertHold(hold: HoldRecord): Promise<void> {
        await storageCall('upsert hold', () => this.tables.holds.upsertEntity(holdEntity(hold), 'Replace'));
    }

    async listHolds(): Promise<HoldRecord[]> {
        return (await listAll(this.tables.holds, {}, 'list holds')).map(decodeHold);
    }

    async listDueHolds(now: Date): Promise<HoldRecord[]> {
        const filter = odata`releaseAtTime le ${now}`;
        return (await listAll(this.tables.holds, { queryOptions: { filter } }, 'list due holds')).map(decodeHold);
    }

    /** Object ids come lower-cased from the directory adapter, and are stored as they come. */
    async listHoldsFor(objectId: string): Promise<HoldRecord[]> {
        const filter = odata`objectId eq ${objectId}`;
        return (await listAll(this.tables.holds, { queryOptions: { filter } }, 'list holds of a user')).map(decodeHold);
    }

    async deleteHold(hold: HoldKey): Promise<void> {
        await this.deleteIfPresent(this.tables.holds, holdKeys(hold));
    }

    async tryAcquireLease(name: string, owner: string, leaseInMs: number, now = this.clock()): Promise<boolean> {
        return tryAcquireLease(this.tables.leases, name, owner, leaseInMs, now);
    }

    async releaseLease(name: string, owner: string): Promise<void> {
        await releaseLease(this.tables.leases, name, owner);
    }

    private now(): string {
        return this.clock().toISOString();
    }

    /** The record and its etag; undefined when unknown, including ids too long to ever have been stored. */
    private async readRecord(requestId: string): Promise<StoredRecord | undefined> {
        const partitionKey = keyOrUndefined(() => requestKeyOf(requestId));
        if (partitionKey === undefined) return undefined;
        const entity = await readEntity(
            this.tables.requests,
            partitionKey,
            RECORD_ROW_KEY,
            `read request ${requestId}`,
        );
        return entity && decodeRecord(entity);
    }

    /** Writes the record row with its etag; false when another writer changed it first (412) or deleted it (404). */
    private async writeRecord(
        requestId: string,
        properties: Record<string, unknown>,
        mode: 'Merge' | 'Replace',
        etag: string,
    ): Promise<boolean> {
        const entity = { ...properties, partitionKey: requestKeyOf(requestId), rowKey: RECORD_ROW_KEY };
        try {
            await this.tables.requests.updateEntity(entity, mode, { etag });
            return true;
        } catch (error) {
            const status = statusOf(error);
            if (status === 412 || status === 404) return false;
            throw toStorageError(error, `update request ${requestId}`);
        }
    }

    private async eventEntities(requestId: string): Promise<StoredEntity[]> {
        const partitionKey = keyOrUndefined(() => requestKeyOf(requestId));
        if (partitionKey === undefined) return [];
        const filter = odata`PartitionKey eq ${partitionKey}`;
        return listAll(this.tables.events, { queryOptions: { filter } }, `list events of ${requestId}`);
    }

    /**
     * Appends the closing events and the seal of `record` in its stored form, unless `previous` (an earlier round's
     * append) already sealed the same fields: a retry after a concurrent write does not seal twice.
     */
    private async appendSeal(
        requestId: string,
        record: RequestRecord,
        closing: Closing,
        previous: AppendedSeal | undefined,
    ): Promise<AppendedSeal> {
        const seal = sealOf(storedFormOf(record));
        if (previous?.seal.sha256 === seal.sha256) return previous;
        const trail = closing.trail ?? (await this.openTrail(requestId));
        if (trail.requestId !== requestId) throw new RangeError(`The closing trail is ${trail.requestId}'s`);
        const events = await trail.append([...(previous ? [] : (closing.events ?? [])), sealEvent(seal)]);
        const last = events[events.length - 1] as AuditEvent;
        return { seal, anchor: { sequence: last.sequence, hash: last.hash } };
    }

    /**
     * After an append to a sealed trail (a callback, the sweep), moves the record's anchor to the new last event, so
     * deleting it from the end shows as well. Best effort: the events are stored whatever happens here, and a tail
     * left past the anchor still verifies; only its deletion would go unnoticed.
     */
    private async followTail(requestId: string, events: readonly AuditEvent[]): Promise<void> {
        const last = events[events.length - 1];
        if (!last || !events.some((event) => event.type === SEAL_EVENT)) return;
        try {
            for (let round = 0; round < MAX_CONCURRENCY_ROUNDS; round++) {
                const stored = await this.readRecord(requestId);
                // Not anchored yet: the seal is being written, and the writer anchors it.
                if (!stored?.anchor || stored.anchor.sequence >= last.sequence) return;
                if (await this.writeRecord(requestId, anchorColumns(last), 'Merge', stored.etag)) return;
            }
        } catch {
            // See above: the anchor stays where it was.
        }
    }

    private async dropTimelineRowOfLostClaim(
        row: { partitionKey: string; rowKey: string },
        existing: RequestRecord,
    ): Promise<void> {
        if (!timelineRowBelongsTo(row, existing.requestId, existing.createdAt)) {
            await this.deleteIfPresent(this.tables.timeline, row);
        }
    }

    private async deleteIfPresent(table: TableClient, keys: { partitionKey: string; rowKey: string }): Promise<void> {
        try {
            await table.deleteEntity(keys.partitionKey, keys.rowKey);
        } catch (error) {
            if (statusOf(error) !== 404) throw toStorageError(error, `delete from ${table.tableName}`);
        }
    }

    /** Records created in the range, newest first; timeline rows of lost claims and crashed claims are skipped. */
    private async *recordsInRange(range: TimeRange): AsyncGenerator<StoredRecord> {
        if (isEmptyRange(range)) return;
        const filter = timeFilterClauses(timeKeyBounds(range), true).join(' and ');
        for await (const row of streamEntities(this.tables.timeline, { queryOptions: { filter } }, 'list requests')) {
            const stored = await this.readRecord(requestIdOf(row));
            if (stored && timelineRowBelongsTo(row, stored.record.requestId, stored.record.createdAt)) yield stored;
        }
    }

    /**
     * A page of summaries from an index table. Pages are filled up to `pageSize` (the service may end a page
     * early, e.g. at a partition boundary); each entry is read back from its record so the state is current.
     */
    private async summaryPage(
        table: TableClient,
        clauses: string[],
        query: HistoryQuery,
        belongs: (row: StoredEntity, summary: RequestSummary) => boolean,
    ): Promise<Page<RequestSummary>> {
        const pageSize = pageSizeOf(query.pageSize);
        let continuationToken = query.continuationToken ? decodePageToken(query.continuationToken) : undefined;
        const options = clauses.length > 0 ? { queryOptions: { filter: clauses.join(' and ') } } : {};
        const rows: StoredEntity[] = [];
        do {
            const pages = table.listEntities<Record<string, unknown>>(options).byPage({
                maxPageSize: pageSize - rows.length,
                ...(continuationToken !== undefined && { continuationToken }),
            });
            const page = await storageCall('list requests', () => pages.next()).catch((error: unknown) => {
                // The service refuses a continuation it cannot read (400): the caller's token, not storage, is wrong.
                throw error instanceof ServiceError && error.statusCode === 400 && query.continuationToken
                    ? invalidPageToken()
                    : error;
            });
            if (page.done) break;
            rows.push(...(page.value as StoredEntity[]));
            continuationToken = page.value.continuationToken;
        } while (continuationToken !== undefined && rows.length < pageSize);

        const summaries = await mapWithConcurrency(rows, FAN_OUT, async (row) => {
            const entity = await this.readSummaryEntity(requestIdOf(row));
            const summary = entity && decodeSummary(entity);
            return summary && belongs(row, summary) ? summary : undefined;
        });
        return {
            items: summaries.filter((summary): summary is RequestSummary => summary !== undefined),
            ...(continuationToken !== undefined && { continuationToken: encodePageToken(continuationToken) }),
        };
    }

    private async readSummaryEntity(requestId: string): Promise<StoredEntity | undefined> {
        const partitionKey = keyOrUndefined(() => requestKeyOf(requestId));
        if (partitionKey === undefined) return undefined;
        return readEntity(this.tables.requests, partitionKey, RECORD_ROW_KEY, 'read request summary', SUMMARY_FIELDS);
    }
}

function verifyEntities(
    requestId: string,
    stored: StoredRecord | undefined,
    entities: StoredEntity[],
    key: SigningKey | undefined,
): VerifyReport {
    const events: AuditEvent[] = [];
    const keyedEvents = () => events.filter((event) => key !== undefined && event.keyId === key.id).length;
    const failure = (sequence: number, problem: string, eventsChecked: number): VerifyReport => ({
        ok: false,
        requestsChecked: 1,
        eventsChecked,
        keyedEvents: keyedEvents(),
        requestId,
        sequence,
        problem,
    });
    if (!stored) return failure(0, entities.length > 0 ? 'request record is missing' : 'unknown request', 0);
    for (const entity of entities) {
        let event: AuditEvent;
        try {
            event = decodeEvent(entity);
        } catch (error) {
            return failure(Number(entity.rowKey), `unreadable event: ${(error as Error).message}`, events.length);
        }
        if (sequenceRowKey(event.sequence) !== entity.rowKey) {
            return failure(Number(entity.rowKey), 'sequence does not match the row key', events.length);
        }
        if (event.requestId !== requestId) {
            return failure(event.sequence, `event belongs to request ${event.requestId}`, events.length);
        }
        events.push(event);
    }
    const broken = findChainBreak(events, stored.anchor, key) ?? findSealBreak(stored.record, stored.anchor, events);
    if (broken) return failure(broken.sequence, broken.problem, broken.eventsChecked);
    return { ok: true, requestsChecked: 1, eventsChecked: events.length, keyedEvents: keyedEvents() };
}

/** The record as a reader gets it back: scrubbed, and a very large result reduced. */
function storedFormOf(record: RequestRecord): RequestRecord {
    return decodeRecord({ ...recordEntity(record), etag: '' }).record;
}

/** Whether a finished record already holds this result, compared in stored form (scrubbed, maybe reduced). */
function sameStoredResult(stored: RequestRecord, finished: RequestRecord): boolean {
    const wouldStore = storedFormOf(finished);
    return stored.state === wouldStore.state && canonicalJson(stored.result) === canonicalJson(wouldStore.result);
}

function requestIdOf(row: StoredEntity): string {
    return optionalString(row, 'requestId') ?? requestIdOfTimeRowKey(row.rowKey);
}

function keyOrUndefined(key: () => string): string | undefined {
    try {
        return key();
    } catch (error) {
        if (error instanceof ValidationError) return undefined;
        throw error;
    }
}

function pageSizeOf(pageSize: number | undefined): number {
    if (pageSize === undefined || !Number.isFinite(pageSize)) return DEFAULT_PAGE_SIZE;
    return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(pageSize)));
}

function contention(operation: string): TransientServiceError {
    return new TransientServiceError(
        'storage',
        412,
        'ConcurrencyConflict',
        `${operation}: too many concurrent writers`,
        undefined,
    );
}
