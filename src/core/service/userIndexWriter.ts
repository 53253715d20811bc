import type { AuditStore } from '../ports/auditStore';
import { SerialWriter } from './serialWriter';

/** Long enough for a bulk request's first remote calls and BC listings; `done` writes at once. */
const INDEX_START_AFTER_MS = 2_000;

/**
 * A request's user index (who it named, by reference, object id and UPN), written while the work goes on rather than
 * before or after it, one batch at a time; `done` waits for every write, and the request finishes only after it.
 */
export class UserIndexWriter {
    private readonly written = new Set<string>();
    private readonly writer: SerialWriter<string>;

    constructor(audit: Pick<AuditStore, 'indexUser'>, requestId: string, at: string) {
        // `at`, the request's creation time, is the same on every entry of one request. The index is read only once
        // the request is over: it waits until the request's first calls are out.
        this.writer = new SerialWriter((keys) => audit.indexUser(requestId, keys, at), {
            startAfterInMs: INDEX_START_AFTER_MS,
        });
    }

    add(keys: readonly string[]): void {
        const fresh = [...new Set(keys.map((key) => key.toLowerCase()))].filter((key) => key && !this.written.has(key));
        if (fresh.length === 0) return;
        for (const key of fresh) this.written.add(key);
        // Seen by `done`; kept from being reported as unhandled meanwhile.
        this.writer.add(fresh).catch(() => undefined);
    }

    done(): Promise<void> {
        return this.writer.done();
    }
}
