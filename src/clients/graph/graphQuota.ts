import type { Sleep } from '../http/sleep';

/**
 * Graph's identity limits per app and tenant (platform-facts §1): resource units per 10 s (3,500 to 8,000 by tenant
 * size; a GET costs 1, a list 2, a POST or PATCH 1) and 3,000 writes (POST or PATCH on a user) per 150 s.
 */
export interface GraphQuotaLimits {
    resourceUnits: number;
    resourceUnitWindowInMs: number;
    writes: number;
    writeWindowInMs: number;
}

export const GRAPH_WRITES_PER_WINDOW = 3_000;
export const GRAPH_WRITE_WINDOW_IN_MS = 150_000;
export const GRAPH_RESOURCE_UNIT_WINDOW_IN_MS = 10_000;

/** What a batch spends. */
export interface BatchCost {
    units: number;
    writes: number;
}

/** A wait for the quota, as told to whoever shows progress. */
export interface QuotaWait {
    /** `writes`, `resource units`, or `throttled` (Graph answered 429: every batch waits its Retry-After). */
    reason: 'writes' | 'resource units' | 'throttled';
    /** Writes (users) waiting in this process, this one included. */
    writesWaiting: number;
    waitInMs: number;
}

export type AcquireOutcome = { ok: true } | { ok: false; waitInMs: number };

/**
 * Paces `$batch` calls to the quota instead of a fixed number in flight: a batch goes as soon as both windows have
 * room, so all of a bulk request goes in the first window Graph allows, and later users wait for the window Graph
 * would have made them wait for anyway (without the 429s). A 429 from Graph (another process of this app spends the
 * same quota) pauses every batch for its Retry-After. One per tenant and process.
 */
export class GraphQuota {
    private readonly spentUnits: [number, number][] = [];
    private readonly spentWrites: [number, number][] = [];
    private unitsInWindow = 0;
    private writesInWindow = 0;
    private pausedUntil = 0;
    private writesWaiting = 0;

    constructor(
        private readonly limits: GraphQuotaLimits,
        private readonly sleep: Sleep,
        private readonly onWait: (wait: QuotaWait) => void = () => undefined,
        private readonly now: () => number = Date.now,
    ) {}

    /**
     * Waits until the batch fits, then spends its cost. When the wait would end after `deadlineAt`, spends nothing
     * and answers how long the wait would be, so the caller can stop and come back then.
     */
    async acquire(cost: BatchCost, deadlineAt = Number.POSITIVE_INFINITY): Promise<AcquireOutcome> {
        this.writesWaiting += cost.writes;
        try {
            for (;;) {
                const { waitInMs, reason } = this.waitFor(cost);
                if (waitInMs <= 0) {
                    this.spend(cost);
                    return { ok: true };
                }
                // Told either way: a wait handed on to a later attempt is a wait all the same.
                this.onWait({ reason, writesWaiting: this.writesWaiting, waitInMs });
                if (this.now() + waitInMs > deadlineAt) return { ok: false, waitInMs };
                await this.sleep(waitInMs);
            }
        } finally {
            this.writesWaiting -= cost.writes;
        }
    }

    /** Graph answered 429 with this Retry-After: no batch goes before it has passed. */
    pause(retryAfterInMs: number): void {
        this.pausedUntil = Math.max(this.pausedUntil, this.now() + retryAfterInMs);
        this.onWait({ reason: 'throttled', writesWaiting: this.writesWaiting, waitInMs: retryAfterInMs });
    }

    private waitFor(cost: BatchCost): { waitInMs: number; reason: QuotaWait['reason'] } {
        const now = this.now();
        this.unitsInWindow = expire(this.spentUnits, this.unitsInWindow, now - this.limits.resourceUnitWindowInMs);
        this.writesInWindow = expire(this.spentWrites, this.writesInWindow, now - this.limits.writeWindowInMs);
        const paused = this.pausedUntil - now;
        const writes =
            freesAt(this.spentWrites, this.writesInWindow, cost.writes, this.limits.writes) +
            this.limits.writeWindowInMs -
            now;
        const units =
            freesAt(this.spentUnits, this.unitsInWindow, cost.units, this.limits.resourceUnits) +
            this.limits.resourceUnitWindowInMs -
            now;
        const waits: [number, QuotaWait['reason']][] = [
            [paused, 'throttled'],
            [cost.writes > 0 ? writes : 0, 'writes'],
            [units, 'resource units'],
        ];
        const [waitInMs, reason] = waits.reduce((longest, wait) => (wait[0] > longest[0] ? wait : longest));
        return { waitInMs: Math.ceil(waitInMs), reason };
    }

    private spend(cost: BatchCost): void {
        const now = this.now();
        if (cost.units > 0) {
            this.spentUnits.push([now, cost.units]);
            this.unitsInWindow += cost.units;
        }
        if (cost.writes > 0) {
            this.spentWrites.push([now, cost.writes]);
            this.writesInWindow += cost.writes;
        }
    }
}

/** Drops spending older than the window; answers what is left in it. */
function expire(spent: [number, number][], inWindow: number, before: number): number {
    let left = inWindow;
    while (spent.length > 0 && (spent[0] as [number, number])[0] <= before)
        left -= (spent.shift() as [number, number])[1];
    return left;
}

/**
 * When the spending that must leave the window for `cost` to fit was made (the window's length later it is gone);
 * -Infinity when it fits now. A cost larger than the whole limit fits into an empty window.
 */
function freesAt(spent: readonly [number, number][], inWindow: number, cost: number, limit: number): number {
    let used = inWindow;
    if (used + cost <= limit) return Number.NEGATIVE_INFINITY;
    for (const [at, amount] of spent) {
        used -= amount;
        if (used + Math.min(cost, limit) <= limit) return at;
    }
    return Number.NEGATIVE_INFINITY;
}
