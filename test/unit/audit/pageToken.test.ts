import { ValidationError } from '../../../src/core/errors';
import { decodePageToken, encodePageToken } from '../../../src/clients/audit/pageToken';

describe('page tokens', () => {
    const sdkToken = Buffer.from(JSON.stringify({ nextPartitionKey: 'a+b/c', nextRowKey: '?>~' })).toString('base64');

    it('are URL-safe and round-trip', () => {
        const token = encodePageToken(sdkToken);
        expect(encodeURIComponent(token)).toBe(token);
        expect(decodePageToken(token)).toBe(sdkToken);
    });

    it.each(['', 'not a token', Buffer.from('{"x":1}').toString('base64url')])('refuse %j', (token) => {
        expect(() => decodePageToken(token)).toThrow(ValidationError);
    });
});
