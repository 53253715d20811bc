import { ValidationError } from '../../../src/core/errors';
import { decodePageToken, encodePageToken } from '../../../src/clients/audit/pageToken';

describe('page tokens', () => {
    const sdkToken = Buffer.from(JSON.stringify({ nextPartitionKey: '1!8!MDk5OTc0', nextRowKey: 'a+b/c==' })).toString(
        'base64',
    );

    it('are URL-safe and round-trip', () => {
        const token = encodePageToken(sdkToken);
        expect(encodeURIComponent(token)).toBe(token);
        expect(decodePageToken(token)).toBe(sdkToken);
    });

    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    it.each([
        '',
        'not a token',
        forged({ x: 1 }),
        forged({ nextPartitionKey: 1 }),
        forged({ nextPartitionKey: 'a\u0000', nextRowKey: 'b' }),
        forged({ nextPartitionKey: 'a', nextRowKey: 'b\r\nx-ms-header: 1' }),
        forged({ nextPartitionKey: 'a', extra: 'b' }),
        forged(['a']),
    ])('refuse %j', (token) => {
        expect(() => decodePageToken(token)).toThrow(ValidationError);
    });
});
