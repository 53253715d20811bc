/** Maps items with at most `limit` calls in flight, keeping input order in the output. */
export async function mapWithConcurrency<T, R>(
    items: readonly T[],
    limit: number,
    fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await fn(items[index] as T, index);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
    const chunks: T[][] = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    return chunks;
}

/** At most `limit` tasks running at once, across every caller that shares it. */
export class Limiter {
    private running = 0;
    private readonly waiting: (() => void)[] = [];

    constructor(private readonly limit: number) {}

    async run<T>(task: () => Promise<T>): Promise<T> {
        if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
        this.running++;
        try {
            return await task();
        } finally {
            this.running--;
            this.waiting.shift()?.();
        }
    }
}

/**
 * At most `limit` tasks at once, where the limit follows the service: it halves when the service throttles, and grows
 * back by one after `limit` successes in a row, up to `max` (additive increase, multiplicative decrease).
 */
export class AdaptiveLimiter {
    private running = 0;
    private successes = 0;
    private readonly waiting: (() => void)[] = [];
    private current: number;

    constructor(readonly max: number) {
        this.current = max;
    }

    get limit(): number {
        return this.current;
    }

    async run<T>(task: () => Promise<T>): Promise<T> {
        // A waiting task is handed its place by `wake`, which counts it as running before it resumes.
        if (this.running < this.current) this.running++;
        else await new Promise<void>((resolve) => this.waiting.push(resolve));
        try {
            return await task();
        } finally {
            this.running--;
            this.wake();
        }
    }

    /** The service answered 429: fewer calls at once from now on. */
    throttled(): void {
        this.current = Math.max(1, Math.floor(this.current / 2));
        this.successes = 0;
    }

    /** A call succeeded: after as many in a row as the limit, one more is allowed, up to `max`. */
    succeeded(): void {
        if (this.current >= this.max || ++this.successes < this.current) return;
        this.current++;
        this.successes = 0;
        this.wake();
    }

    private wake(): void {
        while (this.waiting.length > 0 && this.running < this.current) {
            this.running++;
            this.waiting.shift()?.();
        }
    }
}
