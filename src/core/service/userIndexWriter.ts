import type { AuditStore } from '../ports/auditStore';

/**
 * A request's user index (who it named, by reference, object id and UPN), written while the work goes on rather than
 * before or after it; `done` waits for every write, and the request finishes only after it.
 */
export class UserIndexWriter {
    private readonly written = new Set<string>();
    private readonly writes: Promise<void>[] = [];

    constructor(
        private readonly audit: Pick<AuditStore, 'indexUser'>,
        private readonly requestId: string,
        /** The request's creation time: every entry of one request has it. */
        private readonly at: string,
    ) {}

    add(keys: readonly string[]): void {
        const fresh = [...new Set(keys.map((key) => key.toLowerCase()))].filter((key) => key && !this.written.has(key));
        if (fresh.length === 0) return;
        for (const key of fresh) this.written.add(key);
        const write = this.audit.indexUser(this.requestId, fresh, this.at);
        // Seen by `done`; kept from being reported as unhandled meanwhile.
        write.catch(() => undefined);
        this.writes.push(write);
    }

    async done(): Promise<void> {
        await Promise.all(this.writes);
    }
}
