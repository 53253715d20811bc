import { randomBytes } from 'node:crypto';
import {
    decodeJsonColumn,
    encodeJsonColumn,
    entitySize,
    limitText,
    MAX_STRING_CHARS,
} from '../../../src/clients/audit/entityCodec';
import { sha256Hex } from '../../../src/clients/audit/hashChain';

describe('limitText', () => {
    it('keeps short texts as they are', () => {
        expect(limitText('short', 10)).toBe('short');
    });

    it('cuts long texts and records the length and hash of the whole', () => {
        const text = 'x'.repeat(10_000);
        const limited = limitText(text, 1_000);
        expect(limited.length).toBeLessThanOrEqual(1_000);
        expect(limited).toContain(`10000 chars, sha256 ${sha256Hex(text)}`);
    });

    it('never splits a surrogate pair', () => {
        const limited = limitText('😀'.repeat(1_000), 200);
        expect(() => encodeURIComponent(limited)).not.toThrow();
    });
});

describe('JSON columns', () => {
    it('store small values as one text part', () => {
        const encoded = encodeJsonColumn('result', { a: 1 }, 10_000);
        expect(encoded).toEqual({ properties: { resultParts: 1, result_0: '{"a":1}' } });
        expect(decodeJsonColumn('result', (encoded as { properties: Record<string, unknown> }).properties)).toEqual({
            a: 1,
        });
    });

    it('split large values into parts no property can refuse, surrogate pairs intact', () => {
        const value = { text: '😀'.repeat(70_000) };
        const encoded = encodeJsonColumn('data', value, 1_000_000);
        if (!('properties' in encoded)) throw new Error('expected properties');
        const parts = Object.entries(encoded.properties).filter(([name]) => name.startsWith('data_'));
        expect(parts.length).toBeGreaterThan(4);
        for (const [, part] of parts) {
            expect((part as string).length).toBeLessThanOrEqual(MAX_STRING_CHARS);
            expect(() => encodeURIComponent(part as string)).not.toThrow();
        }
        expect(decodeJsonColumn('data', encoded.properties)).toEqual(value);
    });

    it('compress what does not fit as text', () => {
        const value = {
            users: Array.from({ length: 5_000 }, (_, i) => ({ user: `user${i}@contoso.com`, outcome: 'processed' })),
        };
        const encoded = encodeJsonColumn('result', value, 200_000);
        if (!('properties' in encoded)) throw new Error('expected properties');
        expect(encoded.properties.resultGzParts).toBeGreaterThan(0);
        expect(entitySize('', '', encoded.properties)).toBeLessThanOrEqual(200_000);
        expect(decodeJsonColumn('result', encoded.properties)).toEqual(value);
    });

    it('omit what does not fit at all, keeping length and hash', () => {
        const value = { noise: randomBytes(300_000).toString('base64') };
        const encoded = encodeJsonColumn('result', value, 100_000);
        expect(encoded).toEqual({
            omitted: { length: JSON.stringify(value).length, sha256: sha256Hex(JSON.stringify(value)) },
        });
    });
});

describe('entitySize', () => {
    it('counts strings in UTF-16 as the service does', () => {
        expect(entitySize('p', 'r', { a: 'xy' })).toBe(4 + 2 * 2 + (8 + 2 + 4 + 4));
    });
});
