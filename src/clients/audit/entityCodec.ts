import { gunzipSync, gzipSync } from 'node:zlib';
import { sha256Hex } from './hashChain';
import { corruptEntity } from './storageErrors';

/**
 * Fitting values into table entities (platform-facts §7): an entity holds at most 1 MiB and 252 custom
 * properties, a string property at most 64 KiB, i.e. 32 Ki UTF-16 code units (Azurite refuses longer ones),
 * a binary property at most 64 KiB.
 */
export const MAX_ENTITY_BYTES = 1024 * 1024;
/** Below the service's limit, so system properties and rounding never tip an entity over. */
export const ENTITY_BUDGET_BYTES = MAX_ENTITY_BYTES - 16 * 1024;
export const MAX_STRING_CHARS = 32 * 1024;
/** A text part, a little under a string property's limit. */
const TEXT_CHUNK_CHARS = 32_000;
/** Free texts (reason, error detail) are bounded well below that; the validated reason is at most 500 chars. */
export const MAX_TEXT_CHARS = 8_000;
/** Names, ids, event types and statuses. */
export const MAX_NAME_CHARS = 1_024;
const BINARY_CHUNK_BYTES = 64_000;
const BINARY_ANNOTATION_BYTES = 64;

export type EntityValue = string | number | boolean | Date | Uint8Array;
export type EntityProperties = Record<string, EntityValue>;

/** Size as the service counts it (Azure "Understanding the Table service data model": strings in UTF-16). */
export function entitySize(partitionKey: string, rowKey: string, properties: EntityProperties): number {
    let size = 4 + (partitionKey.length + rowKey.length) * 2;
    for (const [name, value] of Object.entries(properties)) size += 8 + name.length * 2 + valueSize(value);
    return size;
}

function valueSize(value: EntityValue): number {
    if (typeof value === 'string') return 4 + value.length * 2;
    // The service counts the bytes; Azurite measures the JSON body, where they travel base64-encoded with a
    // type annotation. Counting the larger keeps entities acceptable to both.
    if (value instanceof Uint8Array) return 4 + Math.ceil(value.byteLength / 3) * 4 + BINARY_ANNOTATION_BYTES;
    if (typeof value === 'boolean') return 1;
    return 8;
}

/**
 * Keeps free text within `maxChars`; a longer text keeps its start and records the length and SHA-256 of the
 * full text, so a reader can tell it was cut and a holder of the original can prove which text it was.
 */
export function limitText(text: string, maxChars: number): string {
    if (text.length <= maxChars) return text;
    const marker = ` …[truncated: ${text.length} chars, sha256 ${sha256Hex(text)}]`;
    return `${sliceWhole(text, Math.max(0, maxChars - marker.length))}${marker}`;
}

/** `text.slice(0, end)` without splitting a surrogate pair. */
function sliceWhole(text: string, end: number): string {
    const code = text.charCodeAt(end - 1);
    return text.slice(0, code >= 0xd800 && code <= 0xdbff ? end - 1 : end);
}

/** What is kept of a value too large for its entity even compressed. */
export interface OmittedValue {
    length: number;
    sha256: string;
}

/**
 * A JSON value stored as properties `<name>_0..n` (text) when it fits, else gzip-compressed as `<name>Gz_0..n`.
 * Encodes `value` as JSON into at most `budgetBytes` of entity size. Returns the properties, or `omitted`
 * with the length and SHA-256 of the JSON when even the compressed form does not fit.
 */
export function encodeJsonColumn(
    name: string,
    value: unknown,
    budgetBytes: number,
): { properties: EntityProperties } | { omitted: OmittedValue } {
    const json = JSON.stringify(value);
    const text = chunkText(json).map((chunk, index) => [`${name}_${index}`, chunk] as const);
    const asText: EntityProperties = { [`${name}Parts`]: text.length, ...Object.fromEntries(text) };
    if (entitySize('', '', asText) <= budgetBytes) return { properties: asText };

    const zipped = gzipSync(Buffer.from(json, 'utf8'));
    const binary = chunkBytes(zipped).map((chunk, index) => [`${name}Gz_${index}`, chunk] as const);
    const asBinary: EntityProperties = { [`${name}GzParts`]: binary.length, ...Object.fromEntries(binary) };
    if (entitySize('', '', asBinary) <= budgetBytes) return { properties: asBinary };

    return { omitted: omittedValueOf(value) };
}

export function omittedValueOf(value: unknown): OmittedValue {
    const json = JSON.stringify(value);
    return { length: json.length, sha256: sha256Hex(json) };
}

export function decodeJsonColumn<T>(name: string, entity: Record<string, unknown>): T | undefined {
    const textParts = entity[`${name}Parts`];
    if (typeof textParts === 'number') {
        const chunks = Array.from({ length: textParts }, (_, index) => entity[`${name}_${index}`]);
        if (!chunks.every((chunk): chunk is string => typeof chunk === 'string')) {
            throw corruptEntity(`column ${name} is missing parts`);
        }
        return JSON.parse(chunks.join('')) as T;
    }
    const binaryParts = entity[`${name}GzParts`];
    if (typeof binaryParts === 'number') {
        const chunks = Array.from({ length: binaryParts }, (_, index) => entity[`${name}Gz_${index}`]);
        if (!chunks.every((chunk): chunk is Uint8Array => chunk instanceof Uint8Array)) {
            throw corruptEntity(`column ${name} is missing parts`);
        }
        return JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8')) as T;
    }
    return undefined;
}

/** Splits text into property-sized chunks, never between the halves of a surrogate pair. */
function chunkText(text: string): string[] {
    const chunks: string[] = [];
    for (let start = 0; start < text.length;) {
        const chunk = sliceWhole(text.slice(start, start + TEXT_CHUNK_CHARS + 1), TEXT_CHUNK_CHARS);
        chunks.push(chunk);
        start += chunk.length;
    }
    return chunks.length > 0 ? chunks : [''];
}

function chunkBytes(bytes: Buffer): Uint8Array[] {
    const chunks: Uint8Array[] = [];
    for (let start = 0; start < bytes.length; start += BINARY_CHUNK_BYTES) {
        chunks.push(bytes.subarray(start, start + BINARY_CHUNK_BYTES));
    }
    return chunks;
}
