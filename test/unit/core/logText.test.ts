import { quoted } from '../../../src/core/logText';

describe('quoted', () => {
    it('escapes what could forge a log line or reorder what a reader sees', () => {
        const text = 'evil\nINFO forged\r\u202eenil\u2028\u2066x\u0085"';
        const line = quoted(text);
        expect(line).not.toMatch(/[\n\r\u202e\u2028\u2066\u0085]/);
        expect(line).toBe('"evil\\nINFO forged\\r\\u202eenil\\u2028\\u2066x\\u0085\\""');
        expect(JSON.parse(line)).toBe(text);
    });
});
