import type { SimulatorClock } from './clock';

export interface WriteQuotaLimit {
    writes: number;
    perMs: number;
}

export interface ResourceUnitLimit {
    units: number;
    perMs: number;
}

/**
 * A sliding-window budget: what was spent within the last `perMs` may not exceed `amount`. Graph's identity limits per
 * app and tenant are two of them (platform-facts §1): 3,000 writes per 2.5 minutes, and 3,500 resource units per
 * 10 seconds (the smallest tenant size).
 */
export class SlidingQuota {
    /** Spending in time order: [time, amount]. */
    private readonly spent: [number, number][] = [];
    private used = 0;

    constructor(
        private readonly clock: SimulatorClock,
        private readonly limit: () => { amount: number; perMs: number },
    ) {}

    /** Spends `cost`; when the window has no room, answers the whole seconds until enough is freed instead. */
    take(cost = 1): { ok: true } | { ok: false; retryAfterSeconds: number } {
        const now = this.clock.now();
        const { amount, perMs } = this.limit();
        while (this.spent.length > 0 && (this.spent[0] as [number, number])[0] <= now - perMs)
            this.used -= (this.spent.shift() as [number, number])[1];
        let used = this.used;
        if (used + cost > amount) {
            // The oldest spending that must expire before this one fits.
            let freesAt = now;
            for (const [at, spent] of this.spent) {
                used -= spent;
                freesAt = at + perMs;
                if (used + cost <= amount) break;
            }
            return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((freesAt - now) / 1000)) };
        }
        this.spent.push([now, cost]);
        this.used += cost;
        return { ok: true };
    }
}

/** Graph's 3,000 writes per 2.5 minutes per app and tenant. */
export class WriteQuota extends SlidingQuota {
    constructor(clock: SimulatorClock, limit: () => WriteQuotaLimit) {
        super(clock, () => {
            const { writes, perMs } = limit();
            return { amount: writes, perMs };
        });
    }
}

/** Graph's resource units per 10 seconds per app and tenant. */
export class ResourceUnitQuota extends SlidingQuota {
    constructor(clock: SimulatorClock, limit: () => ResourceUnitLimit) {
        super(clock, () => {
            const { units, perMs } = limit();
            return { amount: units, perMs };
        });
    }
}
