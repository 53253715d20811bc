import type { TableClient } from '@azure/data-tables';
import { ConfigurationError, TransientServiceError } from '../../core/errors';
import type { AuditEvent, AuditEventInput, AuditTrail } from '../../core/ports/auditStore';
import { prepareEvent } from './eventEntity';
import { GENESIS_HASH } from './hashChain';
import type { SigningKey } from './signingKey';
import { statusOf, toStorageError } from './storageErrors';
import { transactionBatches } from './transactions';

type PreparedEvent = ReturnType<typeof prepareEvent>;

/** How often `append` reloads the tail after losing a sequence number to a concurrent writer. */
const MAX_APPEND_ATTEMPTS = 5;

export interface TrailOptions {
    /** Signs every event appended (a keyed chain); without it the chain is plain SHA-256. */
    key?: SigningKey;
    /** Told the whole trail after each append that stored events, e.g. to move the record's anchor along. */
    afterAppend?: (events: readonly AuditEvent[]) => Promise<void>;
}

/**
 * The hash-chained events of one request. `append` writes with create actions in transactions, so a sequence
 * number taken by a concurrent writer fails the batch (409) instead of overwriting: the trail then reloads its
 * tail and chains the rest after the other writer's events.
 */
export class TableAuditTrail implements AuditTrail {
    private constructor(
        readonly requestId: string,
        private readonly table: TableClient,
        private readonly loadEvents: () => Promise<AuditEvent[]>,
        private readonly clock: () => Date,
        private readonly options: TrailOptions,
        private loaded: AuditEvent[],
    ) {}

    private queue: Promise<unknown> = Promise.resolve();

    /** Opens a trail where it stands, so a resumed worker continues the existing chain. */
    static async open(
        requestId: string,
        table: TableClient,
        loadEvents: () => Promise<AuditEvent[]>,
        clock: () => Date,
        options: TrailOptions = {},
    ): Promise<TableAuditTrail> {
        return new TableAuditTrail(requestId, table, loadEvents, clock, options, await loadEvents());
    }

    events(): readonly AuditEvent[] {
        return this.loaded;
    }

    /**
     * Appends in order. Calls on one trail are serialised: a worker appends from several environments at once, and
     * racing itself for sequence numbers would only cost reloads.
     */
    append(inputs: readonly AuditEventInput[]): Promise<AuditEvent[]> {
        const run = this.queue.then(() => this.appendNow(inputs));
        this.queue = run.catch(() => undefined);
        return run;
    }

    private async appendNow(inputs: readonly AuditEventInput[]): Promise<AuditEvent[]> {
        const written: AuditEvent[] = [];
        for (let attempt = 1; written.length < inputs.length; attempt++) {
            const round = await this.writeInBatches(inputs.slice(written.length));
            written.push(...round.events);
            if (round.complete) break;
            if (attempt === MAX_APPEND_ATTEMPTS) throw contention(this.requestId, attempt);
        }
        if (written.length > 0) await this.options.afterAppend?.(this.loaded);
        return written;
    }

    /** Writes batch after batch until all are stored or one loses its sequence numbers to another writer. */
    private async writeInBatches(
        inputs: readonly AuditEventInput[],
    ): Promise<{ events: AuditEvent[]; complete: boolean }> {
        const events: AuditEvent[] = [];
        for (const batch of transactionBatches(this.prepare(inputs), ({ entity }) => entity)) {
            if (!(await this.commit(batch))) return { events, complete: false };
            events.push(...batch.map(({ event }) => event));
        }
        return { events, complete: true };
    }

    /** True when the batch is stored; false when another writer took its sequences (the tail is then reloaded). */
    private async commit(batch: readonly PreparedEvent[]): Promise<boolean> {
        try {
            await this.table.submitTransaction(batch.map(({ entity }) => ['create', entity]));
            this.loaded = [...this.loaded, ...batch.map(({ event }) => event)];
            return true;
        } catch (error) {
            if (statusOf(error) !== 409) throw toStorageError(error, `append to audit trail ${this.requestId}`);
        }
        this.loaded = await this.loadEvents();
        // A transaction is atomic: when its first event is stored with our hash (same content, same time, same
        // predecessor), the 409 answered a retry of a batch that had already committed.
        const first = batch[0]?.event;
        return this.loaded.some((stored) => stored.sequence === first?.sequence && stored.hash === first.hash);
    }

    private prepare(inputs: readonly AuditEventInput[]): PreparedEvent[] {
        const { key } = this.options;
        const keyed = this.loaded.find((event) => event.keyId !== undefined);
        // Unkeyed events after keyed ones are what a rewrite without the key looks like: never write them.
        if (!key && keyed)
            throw new ConfigurationError(
                'AUDIT_SIGNING_KEY',
                `is required to add to the audit trail of ${this.requestId}, which is keyed (key ${keyed.keyId})`,
            );
        const at = this.clock().toISOString();
        const last = this.loaded[this.loaded.length - 1];
        let sequence = last?.sequence ?? 0;
        let previousHash = last?.hash ?? GENESIS_HASH;
        return inputs.map((input) => {
            const position = { requestId: this.requestId, sequence: ++sequence, at, previousHash };
            const prepared = prepareEvent(input, position, key);
            previousHash = prepared.event.hash;
            return prepared;
        });
    }
}

function contention(requestId: string, attempts: number): TransientServiceError {
    return new TransientServiceError(
        'storage',
        409,
        'AuditSequenceContention',
        `Audit trail ${requestId}: concurrent writers took the next sequence ${attempts} times`,
        undefined,
    );
}
