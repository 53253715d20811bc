/** Nearest-rank percentile (p in 0..100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
    if (values.length === 0) return Number.NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    return sorted[rank - 1] as number;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
