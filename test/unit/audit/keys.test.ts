import { ValidationError } from '../../../src/core/errors';
import {
    decodeKey,
    encodeKey,
    invertedTime,
    isEmptyRange,
    MAX_KEY_LENGTH,
    monthPartition,
    requestIdOfTimeRowKey,
    requestKeyOf,
    sequenceRowKey,
    timeKeyBounds,
    timeRowKey,
    userKeyOf,
} from '../../../src/clients/audit/keys';

/** What the service refuses in PartitionKey / RowKey (platform-facts §7). */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

describe('encodeKey', () => {
    const samples = [
        "o'brien+test#EXT#@contoso.com",
        'a/b\\c#d?e',
        '100%',
        '%25 is not an escape',
        'tab\there\nnewline\u0000nul\u007fdel\u0085nel',
        'ÄÖÜ äöü ß',
        'emoji 😀 and 🧑‍🚀',
        'pipe|separated|parts',
        'lone \ud83d high and \ude00 low surrogates',
        '',
    ];

    it.each(samples)('round-trips %j without forbidden characters', (value) => {
        const key = encodeKey(value);
        expect(key).not.toMatch(FORBIDDEN);
        expect(key).not.toContain('|');
        expect(decodeKey(key)).toBe(value);
    });

    it('keeps distinct values distinct', () => {
        const keys = new Set(['a#b', 'a%23b', 'a%2523b', 'a/b', 'a%2Fb'].map(encodeKey));
        expect(keys.size).toBe(5);
    });

    it('leaves readable values readable', () => {
        expect(encodeKey('alice@contoso.com')).toBe('alice@contoso.com');
        expect(encodeKey("o'brien+test#EXT#@contoso.com")).toBe("o'brien+test%23EXT%23@contoso.com");
    });

    it('lower-cases user keys so any spelling finds the same history', () => {
        expect(userKeyOf('Alice@Contoso.COM')).toBe(userKeyOf('alice@contoso.com'));
    });

    it('refuses keys longer than the service allows, as a ValidationError', () => {
        expect(requestKeyOf('x'.repeat(MAX_KEY_LENGTH))).toHaveLength(MAX_KEY_LENGTH);
        expect(() => requestKeyOf('x'.repeat(MAX_KEY_LENGTH + 1))).toThrow(ValidationError);
        // Encoding can triple a value's length; the limit applies to the encoded key.
        expect(() => requestKeyOf('#'.repeat(200))).toThrow(ValidationError);
    });
});

describe('time keys', () => {
    const t = (iso: string) => Date.parse(iso);

    it('sort newest first', () => {
        const older = timeRowKey(t('2024-01-01T00:00:00.000Z'), 'b');
        const newer = timeRowKey(t('2024-01-01T00:00:00.001Z'), 'a');
        expect(newer < older).toBe(true);
        expect(monthPartition(t('2024-02-01T00:00:00Z')) < monthPartition(t('2024-01-31T23:59:59Z'))).toBe(true);
        expect(monthPartition(t('2025-01-01T00:00:00Z')) < monthPartition(t('2024-12-31T23:59:59Z'))).toBe(true);
    });

    it('carry the request id', () => {
        expect(requestIdOfTimeRowKey(timeRowKey(123, 'req/1#x'))).toBe('req/1#x');
    });

    it('bound a [from, to) range exactly', () => {
        const from = t('2024-03-01T00:00:00.000Z');
        const to = t('2024-03-02T00:00:00.000Z');
        const bounds = timeKeyBounds({ from, to });
        const inRange = (ms: number) => {
            const key = timeRowKey(ms, 'id');
            return key >= (bounds.rowKeyLower ?? '') && key < (bounds.rowKeyUpper ?? '~');
        };
        expect(inRange(from)).toBe(true);
        expect(inRange(from - 1)).toBe(false);
        expect(inRange(to - 1)).toBe(true);
        expect(inRange(to)).toBe(false);
        expect(bounds.partitionLower).toBe(monthPartition(to - 1));
        expect(bounds.partitionUpper).toBe(monthPartition(from));
    });

    it('recognise empty ranges', () => {
        expect(isEmptyRange({ from: 5, to: 5 })).toBe(true);
        expect(isEmptyRange({ to: 0 })).toBe(true);
        expect(isEmptyRange({ from: 5 })).toBe(false);
        expect(isEmptyRange({})).toBe(false);
    });

    it('pad inverted times and sequences to a fixed width', () => {
        expect(invertedTime(0)).toHaveLength(13);
        expect(invertedTime(Date.now())).toHaveLength(13);
        expect(sequenceRowKey(7)).toBe('0000000007');
        expect(sequenceRowKey(10) > sequenceRowKey(9)).toBe(true);
    });
});
