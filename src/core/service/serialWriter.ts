/**
 * Background writes of one kind, one at a time: what is added while a write runs goes, all together, in the next.
 * A bulk request's busiest moment is its start; its index and watches written side by side with its first remote
 * calls would take the CPU those need, while written batch after batch they spread over the remote work, in fewer
 * and fuller storage calls. A single add is written at once.
 */
export class SerialWriter<T> {
    private pending: T[] = [];
    private next: Promise<void> | undefined;
    private last: Promise<void> = Promise.resolve();
    private readonly writes: Promise<void>[] = [];
    private start: (() => void) | undefined;

    /**
     * `startAfterInMs`: the first write waits this long (or until `done`), for what can wait until the remote work is
     * under way, such as an index that is read only once the request is over.
     */
    constructor(
        private readonly write: (items: T[]) => Promise<void>,
        options: { startAfterInMs?: number } = {},
    ) {
        if (options.startAfterInMs)
            this.last = new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, options.startAfterInMs);
                timer.unref();
                this.start = () => {
                    clearTimeout(timer);
                    resolve();
                };
            });
    }

    /** Resolves when these items are stored; rejects when the write that carried them failed. */
    add(items: readonly T[]): Promise<void> {
        this.pending.push(...items);
        if (!this.next) {
            const next = this.last.then(() => {
                const batch = this.pending;
                this.pending = [];
                this.next = undefined;
                return batch.length > 0 ? this.write(batch) : undefined;
            });
            this.next = next;
            // The next write waits for this one, whether it failed or not; `done` reports the failure.
            this.last = next.catch(() => undefined);
            this.writes.push(next);
            next.catch(() => undefined);
        }
        return this.next;
    }

    /** Writes what is pending now, and waits for every write; rejects when one failed. */
    async done(): Promise<void> {
        this.start?.();
        await Promise.all(this.writes);
    }
}
