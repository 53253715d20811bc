/** A wait imposed by a service's limits, told as it starts so progress never goes silent. */
export interface ThrottleNotice {
    tenantId: string;
    service: 'graph' | 'bc-admin' | 'bc-automation';
    /** e.g. `write quota`, `resource units`, `throttled` (the service answered 429). */
    reason: string;
    /** Items waiting (for Graph's write quota: users). */
    waiting: number;
    waitInMs: number;
}

/** Where throttling waits are told; whoever shows progress (the CLI, a request's status) listens. */
export interface ThrottleNotices {
    notify(notice: ThrottleNotice): void;
    /** Listens until the returned function is called. */
    subscribe(listener: (notice: ThrottleNotice) => void): () => void;
}

/** The notices of one process. */
export class ThrottleNoticeBoard implements ThrottleNotices {
    private readonly listeners = new Set<(notice: ThrottleNotice) => void>();

    notify(notice: ThrottleNotice): void {
        for (const listener of this.listeners) listener(notice);
    }

    subscribe(listener: (notice: ThrottleNotice) => void): () => void {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }
}
