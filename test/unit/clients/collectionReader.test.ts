import { CollectionReader, MalformedBodyError } from '../../../src/clients/http/collectionReader';

/** Reads `text` cut into the given chunk lengths (the last chunk takes the rest): items and the rest of the body. */
function read(text: string, cuts: readonly number[] = []): { items: unknown[]; rest: unknown } {
    const bytes = Buffer.from(text, 'utf8');
    const items: unknown[] = [];
    const reader = new CollectionReader((item) => items.push(item));
    let at = 0;
    for (const length of cuts) {
        reader.push(bytes.subarray(at, at + length));
        at += length;
    }
    reader.push(bytes.subarray(at));
    return { items, rest: reader.end() };
}

const LISTING = {
    '@odata.context': 'https://api.businesscentral.dynamics.com/$metadata#sessions',
    value: [
        { sessionId: 1, userId: 'ZOË@CONTOSO.COM', clientType: 'Web client' },
        // Structural characters, escapes and a nested `value` inside an item are part of the item.
        { sessionId: 2, userId: 'A"]},[{B\\', note: '🙂 ünïcode', nested: { value: [1, [2, { x: '}' }]] } },
        { sessionId: 3, userId: 'C', tags: [] },
    ],
    '@odata.nextLink': 'https://api.businesscentral.dynamics.com/next?$skiptoken=3',
};

describe('CollectionReader', () => {
    it('hands over each item of `value` and keeps the rest of the body without them', () => {
        const { items, rest } = read(JSON.stringify(LISTING, null, 2));
        expect(items).toEqual(LISTING.value);
        expect(rest).toEqual({ ...LISTING, value: [] });
    });

    it('reads the same whatever the chunks, even one byte at a time or inside a multi-byte character', () => {
        const text = JSON.stringify(LISTING);
        const length = Buffer.byteLength(text);
        for (let cut = 1; cut < length; cut++) expect(read(text, [cut])).toEqual(read(text));
        expect(
            read(
                text,
                Array.from({ length }, () => 1),
            ).items,
        ).toEqual(LISTING.value);
    });

    it('reads `Value` as BC documents it, and only the top-level array', () => {
        const body = { Value: [{ a: 1 }], other: { value: [9] } };
        expect(read(JSON.stringify(body))).toEqual({ items: [{ a: 1 }], rest: { Value: [], other: { value: [9] } } });
    });

    it('leaves an array under any other key in the rest, even after a `value` that is not an array', () => {
        const body = { value: 'x', valuesOfSomethingElse: [1, 2], 'odata.longer.key': [3] };
        expect(read(JSON.stringify(body))).toEqual({ items: [], rest: body });
    });

    it('answers a body with no collection whole, and an empty collection as no items', () => {
        expect(read('{"name":"CRONUS","id":"1"}')).toEqual({ items: [], rest: { name: 'CRONUS', id: '1' } });
        expect(read('{ "value" : [ ] }')).toEqual({ items: [], rest: { value: [] } });
        expect(read('')).toEqual({ items: [], rest: undefined });
    });

    it('reads items of any JSON type', () => {
        expect(read('{"value":[1, "a,]", null, true, [2,3], -1.5e3]}').items).toEqual([
            1,
            'a,]',
            null,
            true,
            [2, 3],
            -1500,
        ]);
    });

    it.each([
        ['cut inside an item', '{"value":[{"sessionId":1},{"sessionId":'],
        ['cut between items', '{"value":[{"sessionId":1},'],
        ['cut inside a string', '{"value":[{"userId":"AL'],
        ['cut after the array', '{"value":[{"sessionId":1}]'],
        ['with an item that is not JSON', '{"value":[{"sessionId":1},{sessionId:2}]}'],
        ['with an empty slot', '{"value":[{"sessionId":1},]}'],
        ['with a leading comma', '{"value":[,{"sessionId":1}]}'],
        ['whose rest is not JSON', '{"value":[{"sessionId":1}], oops}'],
        ['closing more than it opened', '{"value":[]}}'],
    ])('refuses a body %s: never fewer items as if they were all', (_, text) => {
        expect(() => read(text)).toThrow(MalformedBodyError);
    });
});
