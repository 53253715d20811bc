import type { SimulatorClock } from './clock';

export interface WriteQuotaLimit {
    writes: number;
    perMs: number;
}

/** Graph's identity limit of 3,000 writes per 2.5 minutes per app and tenant (platform-facts §1), as a sliding window. */
export class WriteQuota {
    private readonly writes: number[] = [];

    constructor(
        private readonly clock: SimulatorClock,
        private readonly limit: () => WriteQuotaLimit,
    ) {}

    /** Takes one write; when the window is full, answers the whole seconds until a write frees instead. */
    take(): { ok: true } | { ok: false; retryAfterSeconds: number } {
        const now = this.clock.now();
        const { writes, perMs } = this.limit();
        while (this.writes.length > 0 && (this.writes[0] as number) <= now - perMs) this.writes.shift();
        if (this.writes.length >= writes) {
            const freesAt = (this.writes[this.writes.length - writes] as number) + perMs;
            return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((freesAt - now) / 1000)) };
        }
        this.writes.push(now);
        return { ok: true };
    }
}
