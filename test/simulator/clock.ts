/**
 * Simulator time: real time plus an offset. Tests move it forward to close windows (token lifetime, reconnect delay,
 * write quota) without waiting; it never runs backwards.
 */
export interface SimulatorClock {
    now(): number;
    advance(ms: number): void;
}

export function createClock(): SimulatorClock {
    let offsetInMs = 0;
    return {
        now: () => Date.now() + offsetInMs,
        advance(ms: number) {
            if (!Number.isFinite(ms) || ms < 0)
                throw new RangeError(`clock.advance needs a non-negative number, got ${ms}`);
            offsetInMs += ms;
        },
    };
}
