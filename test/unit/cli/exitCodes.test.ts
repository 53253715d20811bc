import { EXIT, exitCodeOfState } from '../../../src/cli/exitCodes';
import type { RequestState } from '../../../src/core/result';

describe('exit codes', () => {
    it.each<[RequestState, number]>([
        ['completed', 0],
        ['partial', 2],
        ['failed', 3],
        ['dead-lettered', 3],
        ['rejected', 4],
        ['accepted', 5],
        ['running', 5],
    ])('%s exits with %i', (state, code) => {
        expect(exitCodeOfState(state)).toBe(code);
    });

    it('keeps the documented values', () => {
        expect(EXIT).toEqual({ done: 0, partial: 2, failed: 3, invalid: 4, notFinished: 5 });
    });
});
