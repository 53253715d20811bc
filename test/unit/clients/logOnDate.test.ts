import { normaliseLogOnDate } from '../../../src/clients/businessCentral/logOnDate';
import { collectionItems, field } from '../../../src/clients/businessCentral/fields';
import { encodePathSegment } from '../../../src/clients/http/encodePathSegment';

describe('BC payload quirks', () => {
    it('reads US-style UTC logOnDate into ISO 8601', () => {
        expect(normaliseLogOnDate('12/18/2025 3:44:21 PM')).toBe('2025-12-18T15:44:21.000Z');
        expect(normaliseLogOnDate('1/2/2026 12:05:00 AM')).toBe('2026-01-02T00:05:00.000Z');
        expect(normaliseLogOnDate('2026-01-02T10:00:00Z')).toBe('2026-01-02T10:00:00.000Z');
        expect(normaliseLogOnDate('yesterday-ish')).toBe('yesterday-ish');
    });

    it('reads camelCase or PascalCase fields, and bare or wrapped single objects', () => {
        expect(field({ SoftDeletedOn: 'x' }, 'softDeletedOn')).toBe('x');
        expect(collectionItems({ value: [{ name: 'A' }] })).toEqual([{ name: 'A' }]);
        expect(collectionItems({ name: 'A' })).toEqual([{ name: 'A' }]);
    });

    it("encodes every path segment, including OData's quote and parentheses", () => {
        expect(encodePathSegment("o'brien+x#EXT#@contoso.com")).toBe('o%27brien%2Bx%23EXT%23%40contoso.com');
        expect(encodePathSegment('../admin')).toBe('..%2Fadmin');
    });
});
