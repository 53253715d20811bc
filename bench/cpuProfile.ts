import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './environment';

/** The parts of V8's `.cpuprofile` (written by `node --cpu-prof`) the summary reads. */
interface CpuFrame {
    functionName: string;
    url: string;
    lineNumber: number;
}

interface CpuProfile {
    nodes: { id: number; callFrame: CpuFrame }[];
    samples: number[];
    timeDeltas: number[];
}

export type FrameKind =
    'ours' | 'library' | 'node (I/O, streams, TLS, HTTP)' | 'native (parsing answers, crypto)' | 'runtime';

export interface HotFunction {
    name: string;
    kind: FrameKind;
    /** Share of the busy time (every sample but idle), in percent. */
    percent: number;
}

export interface CpuProfileSummary {
    profiles: number;
    busyInMs: number;
    idleInMs: number;
    top: HotFunction[];
    /** The largest share of any function that is neither Node's I/O nor the runtime's own work. */
    largestNonIoPercent: number;
    largestNonIo?: string;
}

/**
 * Self time per function over the profiles of every worker. Node's own modules (sockets, TLS, streams, HTTP
 * parsing) are I/O, and so are V8's native functions (`JSON.parse` of the answers, hashing); `(program)` and
 * `(garbage collector)` are the runtime. Everything else, ours or a library's, is work per user or per session,
 * which must stay small for the engine to stay linear.
 */
export function analyseProfiles(files: readonly string[]): CpuProfileSummary {
    const selfTime = new Map<string, { kind: FrameKind; micros: number }>();
    let idle = 0;
    for (const file of files) {
        const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
        const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
        profile.samples.forEach((id, index) => {
            const frame = byId.get(id);
            const micros = profile.timeDeltas[index] ?? 0;
            if (!frame || frame.functionName === '(idle)') {
                idle += micros;
                return;
            }
            const name = nameOf(frame);
            const entry = selfTime.get(name) ?? { kind: kindOf(frame), micros: 0 };
            entry.micros += micros;
            selfTime.set(name, entry);
        });
    }
    const busy = [...selfTime.values()].reduce((sum, entry) => sum + entry.micros, 0) || 1;
    const ranked = [...selfTime]
        .map(([name, entry]) => ({ name, kind: entry.kind, percent: (100 * entry.micros) / busy }))
        .sort((a, b) => b.percent - a.percent);
    const nonIo = ranked.find((entry) => entry.kind === 'ours' || entry.kind === 'library');
    return {
        profiles: files.length,
        busyInMs: busy / 1000,
        idleInMs: idle / 1000,
        top: ranked.slice(0, 10),
        largestNonIoPercent: nonIo?.percent ?? 0,
        ...(nonIo && { largestNonIo: nonIo.name }),
    };
}

function nameOf(frame: CpuFrame): string {
    const where = frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    return `${frame.functionName || '(anonymous)'}${where}`;
}

function shortUrl(url: string): string {
    const file = url.replace(/^file:\/\//, '');
    return file.startsWith(ROOT) ? path.relative(ROOT, file) : file;
}

function kindOf(frame: CpuFrame): FrameKind {
    if (frame.url === '' && frame.functionName.startsWith('(')) return 'runtime';
    if (frame.url === '') return 'native (parsing answers, crypto)';
    if (frame.url.startsWith('node:')) return 'node (I/O, streams, TLS, HTTP)';
    return frame.url.includes('/node_modules/') ? 'library' : 'ours';
}
