import type { RecordedCall } from '../test/simulator';

/**
 * What the simulator's call log says about a run. The simulator records a call after its fixed added latency, so
 * with latency L a call was on the wire during roughly [at - L, at]; the handlers answer at once after that.
 */

/** Calls that are round trips of their own: `$batch` items travel inside their batch, tokens are cached. */
export function wireCalls(calls: readonly RecordedCall[], from = -Infinity, to = Infinity): RecordedCall[] {
    return calls.filter((call) => !call.viaBatch && call.service !== 'identity' && call.at >= from && call.at <= to);
}

export interface Wave {
    startedAt: number;
    endedAt: number;
    calls: RecordedCall[];
}

/**
 * Groups calls into waves of overlapping calls: a call that began after the last half of the current wave's latest
 * call starts a new wave, i.e. it waited for an answer. The tolerance of L/2 absorbs timer jitter, so calls sent
 * together but a few milliseconds apart stay in one wave. The number of waves is the number of sequential round
 * trips on the critical path.
 */
export function wavesOf(calls: readonly RecordedCall[], latencyInMs: number): Wave[] {
    const sorted = [...calls].sort((a, b) => a.at - b.at);
    const waves: Wave[] = [];
    for (const call of sorted) {
        const startedAt = call.at - latencyInMs;
        const current = waves.at(-1);
        if (current && startedAt <= current.endedAt - latencyInMs / 2) {
            current.calls.push(call);
            current.endedAt = Math.max(current.endedAt, call.at);
        } else {
            waves.push({ startedAt, endedAt: call.at, calls: [call] });
        }
    }
    return waves;
}

/** A short label of a wave: `GET bc-admin …/sessions ×3, POST graph $batch ×2`. */
export function describeWave(wave: Wave): string {
    const counts = new Map<string, number>();
    for (const call of wave.calls) {
        const tail = call.path.split('/').filter(Boolean).slice(-2).join('/');
        const shape = tail
            .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}')
            .replace(/\/\d+$/, '/{id}')
            .replace(/users\/[^/]+/, 'users/{id}');
        const key = `${call.method} ${call.service} …/${shape}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([key, count]) => (count > 1 ? `${key} ×${count}` : key)).join(', ');
}

/** Most calls of one service on the wire at once, from the [at - L, at] intervals. */
export function peakInFlight(calls: readonly RecordedCall[], latencyInMs: number): number {
    const edges = calls.flatMap((call) => [
        { at: call.at - latencyInMs, delta: 1 },
        { at: call.at, delta: -1 },
    ]);
    // At the same instant an end comes before a start: back-to-back calls do not overlap.
    edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let current = 0;
    let peak = 0;
    for (const edge of edges) {
        current += edge.delta;
        peak = Math.max(peak, current);
    }
    return peak;
}

export interface ServiceTally {
    /** Round trips (a `$batch` counts once). */
    calls: number;
    /** `$batch` items, Graph only. */
    batchItems: number;
    throttled: number;
    byMethod: Record<string, number>;
    peakInFlight: number;
}

/** Calls per service, 429s seen (batch items included) and the peak concurrency. */
export function tallyByService(calls: readonly RecordedCall[], latencyInMs: number): Record<string, ServiceTally> {
    const tallies: Record<string, ServiceTally> = {};
    const services = [...new Set(calls.map((call) => call.service))].sort();
    for (const service of services) {
        const own = calls.filter((call) => call.service === service);
        const wire = own.filter((call) => !call.viaBatch);
        const byMethod: Record<string, number> = {};
        for (const call of wire) byMethod[call.method] = (byMethod[call.method] ?? 0) + 1;
        tallies[service] = {
            calls: wire.length,
            batchItems: own.length - wire.length,
            throttled: own.filter((call) => call.status === 429).length,
            byMethod,
            peakInFlight: peakInFlight(wire, latencyInMs),
        };
    }
    return tallies;
}

/** When, after `startedAt` (Date.now() time), the remote work began, the first and last session was cancelled, and the last call answered. */
export interface Timeline {
    firstCallInMs: number;
    firstDeleteInMs: number;
    lastDeleteInMs: number;
    lastCallInMs: number;
}

export function timelineOf(calls: readonly RecordedCall[], startedAt: number): Timeline {
    const wire = wireCalls(calls).filter((call) => call.service !== 'identity');
    const deletes = wire.filter((call) => call.method === 'DELETE');
    const at = (list: readonly RecordedCall[], pick: (times: number[]) => number) =>
        list.length === 0 ? Number.NaN : pick(list.map((call) => call.at)) - startedAt;
    return {
        firstCallInMs: at(wire, (times) => Math.min(...times)),
        firstDeleteInMs: at(deletes, (times) => Math.min(...times)),
        lastDeleteInMs: at(deletes, (times) => Math.max(...times)),
        lastCallInMs: at(wire, (times) => Math.max(...times)),
    };
}
