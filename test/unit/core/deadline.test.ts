import { callTimeoutInMs } from '../../../src/core/deadline';

describe('callTimeoutInMs', () => {
    it("keeps a call's own limit when the deadline is far or absent", () => {
        expect(callTimeoutInMs(30_000, undefined, 0)).toBe(30_000);
        expect(callTimeoutInMs(30_000, 60_000, 0)).toBe(30_000);
    });

    it('shortens it to what is left before the deadline, with a floor of one second', () => {
        expect(callTimeoutInMs(30_000, 10_000, 0)).toBe(10_000);
        expect(callTimeoutInMs(30_000, 10_000, 9_900)).toBe(1_000);
    });
});
