import { heapCheck, requestedHeapMib } from '../../../src/core/doctor/heapCheck';

const MIB = 1024 * 1024;

describe("the doctor's check of the worker's heap ceiling", () => {
    it('reads the ceiling NODE_OPTIONS asks for, however it is spelled', () => {
        expect(requestedHeapMib('--max-old-space-size=256')).toBe(256);
        expect(requestedHeapMib('--enable-source-maps --max_old_space_size 384')).toBe(384);
        expect(requestedHeapMib('--enable-source-maps')).toBeUndefined();
        expect(requestedHeapMib(undefined)).toBeUndefined();
    });

    it('passes when V8 applies the ceiling asked for (old space plus the young generation)', () => {
        expect(heapCheck({ requestedMib: 256, limitInBytes: 304 * MIB })).toMatchObject({
            status: 'pass',
            detail: '304 MiB (NODE_OPTIONS asks for 256 MiB of old space)',
        });
    });

    it('warns, with the fix, when the ceiling asked for did not reach the worker', () => {
        const check = heapCheck({ requestedMib: 256, limitInBytes: 4144 * MIB });
        expect(check).toMatchObject({ status: 'warn', fix: expect.stringContaining('workerHeapMib') });
        expect(check.detail).toContain('asks for 256 MiB, yet V8 allows the worker');
    });

    it('warns when no ceiling is set', () => {
        expect(heapCheck({ limitInBytes: 1072 * MIB })).toMatchObject({
            status: 'warn',
            detail: 'none is set: V8 allows the heap 1072 MiB',
        });
    });
});
