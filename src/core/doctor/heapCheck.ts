import type { DoctorCheck } from './runDoctor';

/** The heap of the Functions worker running the doctor: the ceiling NODE_OPTIONS asks for, and the one V8 has. */
export interface WorkerHeap {
    /** `--max-old-space-size` in NODE_OPTIONS, in MiB; undefined when none is set. */
    requestedMib?: number;
    /** V8's `heap_size_limit`: the old space asked for plus the young generation. */
    limitInBytes: number;
}

const MIB = 1024 * 1024;
/** What V8 adds to the old space for the young generation (48 MiB on 64-bit Node.js 20 and 22), with room. */
const YOUNG_GENERATION_ALLOWANCE_IN_MIB = 64;

/** `--max-old-space-size=256` (or `--max_old_space_size 256`) in NODE_OPTIONS, in MiB. */
export function requestedHeapMib(nodeOptions: string | undefined): number | undefined {
    const found = /--max[-_]old[-_]space[-_]size[=\s]+(\d+)/.exec(nodeOptions ?? '');
    return found ? Number(found[1]) : undefined;
}

/**
 * Whether the worker runs with the heap ceiling the deployment gives it (infra/main.bicep, `workerHeapMib`): a worker
 * whose ceiling did not arrive takes as much memory as V8 allows on the instance. Never a failure: the service works
 * either way.
 */
export function heapCheck(heap: WorkerHeap): DoctorCheck {
    const title = "The worker's heap ceiling";
    const limitMib = Math.round(heap.limitInBytes / MIB);
    const fix = 'give the worker NODE_OPTIONS=--max-old-space-size=<MiB> (workerHeapMib in infra/main.bicep)';
    if (heap.requestedMib === undefined)
        return { title, status: 'warn', detail: `none is set: V8 allows the heap ${limitMib} MiB`, fix };
    const applied = limitMib >= heap.requestedMib && limitMib <= heap.requestedMib + YOUNG_GENERATION_ALLOWANCE_IN_MIB;
    return applied
        ? {
              title,
              status: 'pass',
              detail: `${limitMib} MiB (NODE_OPTIONS asks for ${heap.requestedMib} MiB of old space)`,
          }
        : {
              title,
              status: 'warn',
              detail: `NODE_OPTIONS asks for ${heap.requestedMib} MiB, yet V8 allows the worker's heap ${limitMib} MiB: the setting did not reach the worker`,
              fix,
          };
}
