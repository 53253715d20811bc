/**
 * Reads a JSON collection answer `{ "value": [ item, ... ], ... }` as its bytes arrive, handing each item of the
 * top-level `value` (or `Value`) array over as soon as it is complete. A listing of tens of thousands of sessions is
 * then never held whole — not as bytes, not as text, not as parsed JSON — only the items' mapped form is kept; in
 * a worker running several shards, whole listings in flight were most of its heap.
 *
 * Structural bytes of JSON are ASCII and never occur inside a multi-byte UTF-8 sequence, so the scan works on bytes;
 * an item's bytes are decoded together, once complete, whatever the chunks they came in.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** The keys of the collection's items (platform-facts §2: BC's docs show PascalCase, clients see camelCase). */
const ITEMS_KEYS = new Set(['value', 'Value']);
/** Longer strings cannot be one of `ITEMS_KEYS`: no more of their bytes are kept. */
const LONGEST_KEY = 5;

/** A body that is not the JSON it claims to be, or ends before it is complete. */
export class MalformedBodyError extends Error {
    override readonly name = 'MalformedBodyError';
}

export class CollectionReader {
    private depth = 0;
    private inString = false;
    private escaped = false;
    /** Bytes of the string being read at depth 1 (a key, perhaps), while it is short enough to matter. */
    private keyBytes: number[] | undefined;
    private lastKey = '';
    /** Depth inside the items array while reading it; 0 outside it. Only the first such array is streamed. */
    private itemsDepth = 0;
    private streamed = false;
    private itemCount = 0;
    /** The body without the items, copied (a view would keep whole chunks): parsed at the end for `@odata.nextLink`. */
    private readonly rest: Buffer[] = [];
    /** Views of the chunks the item being read lies in (a chunk is never reused once handed over). */
    private item: Buffer[] = [];

    constructor(private readonly onItem: (item: unknown) => void) {}

    push(chunk: Uint8Array): void {
        // Bytes from `from` on belong to the item being read (inside the array) or to the rest (outside it).
        let from = 0;
        const stops = new StringStops(chunk);
        for (let i = 0; i < chunk.length; i++) {
            if (this.inString) {
                // Most of a listing's bytes are inside strings: jump to the next byte that can end or escape one.
                if (!this.escaped && this.keyBytes === undefined) {
                    const stop = stops.after(i);
                    if (stop < 0) break;
                    i = stop;
                }
                this.readStringByte(chunk[i]!);
                continue;
            }
            const byte = chunk[i]!;
            if (this.itemsDepth > 0 && this.depth === this.itemsDepth) {
                if (byte === COMMA || byte === CLOSE_ARRAY) {
                    this.item.push(view(chunk, from, i));
                    this.endItem(byte === CLOSE_ARRAY);
                    if (byte === CLOSE_ARRAY) {
                        this.itemsDepth = 0;
                        this.depth--;
                        from = i; // the `]` closes `[]` in the rest
                    } else from = i + 1;
                    continue;
                }
            }
            switch (byte) {
                case QUOTE:
                    this.inString = true;
                    this.keyBytes = this.depth === 1 && this.itemsDepth === 0 ? [] : undefined;
                    break;
                case OPEN_OBJECT:
                    this.depth++;
                    break;
                case OPEN_ARRAY:
                    this.depth++;
                    if (this.depth === 2 && !this.streamed && ITEMS_KEYS.has(this.lastKey)) {
                        this.rest.push(Buffer.from(chunk.subarray(from, i + 1)));
                        from = i + 1;
                        this.itemsDepth = this.depth;
                        this.streamed = true;
                    }
                    break;
                case CLOSE_OBJECT:
                case CLOSE_ARRAY:
                    this.depth--;
                    if (this.depth < 0) throw new MalformedBodyError('unbalanced JSON');
                    break;
            }
        }
        if (this.itemsDepth > 0) this.item.push(view(chunk, from, chunk.length));
        else this.rest.push(Buffer.from(chunk.subarray(from)));
    }

    /** The body without its items (`value: []`) once it is complete; throws when it is not. */
    end(): unknown {
        if (this.inString || this.depth !== 0 || this.itemsDepth > 0)
            throw new MalformedBodyError('the body ended before its JSON did');
        const text = Buffer.concat(this.rest).toString('utf8');
        try {
            return text.trim() === '' ? undefined : JSON.parse(text);
        } catch (error) {
            throw new MalformedBodyError(`the body is not JSON: ${(error as Error).message}`);
        }
    }

    private readStringByte(byte: number): void {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) {
            this.inString = false;
            if (this.keyBytes)
                this.lastKey = this.keyBytes.length > LONGEST_KEY ? '' : String.fromCharCode(...this.keyBytes);
            return;
        }
        // One byte more than the longest key that matters is enough to know it is not one.
        if (this.keyBytes && this.keyBytes.length <= LONGEST_KEY) this.keyBytes.push(byte);
    }

    private endItem(closing: boolean): void {
        const text = (this.item.length === 1 ? this.item[0]! : Buffer.concat(this.item)).toString('utf8');
        this.item = [];
        // `[]` is an empty array; an empty slot anywhere else (`[,` or `,]`) is not JSON.
        if (text.trim() === '') {
            if (closing && this.itemCount === 0) return;
            throw new MalformedBodyError('an empty item in the collection');
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(text);
        } catch (error) {
            throw new MalformedBodyError(`an item of the collection is not JSON: ${(error as Error).message}`);
        }
        this.itemCount++;
        this.onItem(parsed);
    }
}

/**
 * Where a string may end or escape in one chunk. The next backslash is remembered: most strings have none, and
 * looking for one from every string's start would scan the rest of the chunk again and again.
 */
class StringStops {
    private backslash = -1;

    constructor(private readonly chunk: Uint8Array) {}

    /** The next quote or backslash at or after `from`; -1 when neither is left in the chunk. */
    after(from: number): number {
        if (this.backslash < from) {
            const found = this.chunk.indexOf(BACKSLASH, from);
            this.backslash = found < 0 ? Number.POSITIVE_INFINITY : found;
        }
        const quote = this.chunk.indexOf(QUOTE, from);
        const stop = Math.min(quote < 0 ? Number.POSITIVE_INFINITY : quote, this.backslash);
        return stop === Number.POSITIVE_INFINITY ? -1 : stop;
    }
}

/** Bytes `from`..`to` of the chunk, without copying them. */
function view(chunk: Uint8Array, from: number, to: number): Buffer {
    return Buffer.from(chunk.buffer, chunk.byteOffset + from, to - from);
}
