import type { ThrottleNotice } from '../ports/throttling';
import type { RequestProgress, SystemOutcome } from '../result';

const SERVICE_NAMES: Record<ThrottleNotice['service'], string> = {
    graph: 'Graph',
    'bc-admin': 'Business Central admin center',
    'bc-automation': 'Business Central Automation API',
};

/** One line for a wait: what the service's limit is, who waits, for how long. */
export function describeWait(notice: ThrottleNotice): string {
    const seconds = Math.max(1, Math.ceil(notice.waitInMs / 1000));
    const who =
        notice.service === 'graph' && notice.reason === 'write quota'
            ? `${notice.waiting.toLocaleString('en-US')} user(s) wait`
            : 'calls wait';
    return `${SERVICE_NAMES[notice.service]} ${notice.reason}: ${who} ${seconds} s`;
}

/** Counts a request's step outcomes and its current wait, for `RequestProgress`. */
export class ProgressTracker {
    private readonly done: Record<string, number> = {};
    private waiting: { text: string; until: number } | undefined;

    constructor(
        private readonly users: number,
        private readonly now: () => number = Date.now,
    ) {}

    count(outcomes: readonly { outcome: SystemOutcome }[]): void {
        for (const { outcome } of outcomes) this.done[outcome.system] = (this.done[outcome.system] ?? 0) + 1;
    }

    /** The wait that ends last is the one shown: until it is over, not everything can go on. */
    throttled(notice: ThrottleNotice): void {
        const until = this.now() + notice.waitInMs;
        if (!this.waiting || this.waiting.until <= Math.max(until, this.now()))
            this.waiting = { text: describeWait(notice), until };
    }

    /** How long the current wait still lasts; undefined when no service has imposed one. */
    waitLeftInMs(): number | undefined {
        return this.waiting && Math.max(0, this.waiting.until - this.now());
    }

    snapshot(): RequestProgress {
        const waiting = this.waiting && this.waiting.until > this.now() ? this.waiting.text : undefined;
        return {
            updatedAt: new Date(this.now()).toISOString(),
            users: this.users,
            done: { ...this.done },
            ...(waiting && { waiting }),
        };
    }
}
