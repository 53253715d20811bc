import { odata } from '@azure/data-tables';
import { ValidationError } from '../../core/errors';

/**
 * Table keys. PartitionKey and RowKey must not contain `/ \ # ?` or control characters and hold at most 1 KiB
 * (platform-facts §7); Azurite refuses keys longer than 512 UTF-16 code units, which is that 1 KiB in UTF-16.
 * Values are encoded, never stripped, so two different ids never share a key.
 */
export const MAX_KEY_LENGTH = 512;

/**
 * `|` joins the parts of composite keys, so it is escaped inside a part; `%` is the escape character itself.
 * Everything else that is printable stays readable in Storage Explorer, non-ASCII included.
 */
const ESCAPED =
    // eslint-disable-next-line no-control-regex
    /[%/\\#?|\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ESCAPE = /%(?:u([0-9A-F]{4})|([0-9A-F]{2}))/g;

/**
 * Percent-encodes one key part: forbidden and reserved characters become `%XX`; a lone surrogate (which no
 * UTF-8 or UTF-16 service can store faithfully) becomes `%uXXXX`. Reversible with `decodeKey`.
 */
export function encodeKey(value: string): string {
    return value.replace(ESCAPED, (char) => {
        const code = char.charCodeAt(0);
        const hex = code.toString(16).toUpperCase();
        return code > 0xff ? `%u${hex.padStart(4, '0')}` : `%${hex.padStart(2, '0')}`;
    });
}

export function decodeKey(key: string): string {
    return key.replace(ESCAPE, (_match, wide: string | undefined, narrow: string | undefined) =>
        String.fromCharCode(parseInt(wide ?? narrow ?? '', 16)),
    );
}

/** Throws `ValidationError` when a finished key would exceed the service's length limit. */
export function checkedKey(key: string, field: string): string {
    if (key.length > MAX_KEY_LENGTH) {
        throw new ValidationError([
            { field, reason: `is too long to be a table key (${key.length} > ${MAX_KEY_LENGTH} after encoding)` },
        ]);
    }
    return key;
}

/** The key of a user in the history index: case-insensitive, so UPNs in any spelling meet. */
export function userKeyOf(userKey: string): string {
    return checkedKey(encodeKey(userKey.toLowerCase()), 'userKey');
}

export function requestKeyOf(requestId: string): string {
    return checkedKey(encodeKey(requestId), 'requestId');
}

/**
 * Row keys sort ascending, so newest-first lists need a time that sorts backwards: 13 digits cover every
 * millisecond up to the year 2286.
 */
const MAX_TIME = 9_999_999_999_999;
const TIME_DIGITS = 13;

/** Milliseconds since the epoch, or `ValidationError` when the value is not a date the keys can hold. */
export function timeOf(value: string | Date, field: string): number {
    const ms = value instanceof Date ? value.getTime() : Date.parse(value);
    if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIME) {
        throw new ValidationError([{ field, reason: 'must be a date-time between 1970 and 2286' }]);
    }
    return ms;
}

export function invertedTime(ms: number): string {
    return String(MAX_TIME - ms).padStart(TIME_DIGITS, '0');
}

/** Row key of an index row: newest first; the request id after the fixed-width time keeps it unique. */
export function timeRowKey(ms: number, requestId: string): string {
    return `${invertedTime(ms)}_${requestKeyOf(requestId)}`;
}

export function requestIdOfTimeRowKey(rowKey: string): string {
    return decodeKey(rowKey.slice(TIME_DIGITS + 1));
}

/** The timeline's partition: one per month, numbered backwards so a scan of the table runs newest first. */
export function monthPartition(ms: number): string {
    const date = new Date(ms);
    return String(999_999 - (date.getUTCFullYear() * 100 + date.getUTCMonth() + 1)).padStart(6, '0');
}

/** Times in milliseconds, `from` inclusive, `to` exclusive; either may be open. */
export interface TimeRange {
    from?: number;
    to?: number;
}

export function timeRangeOf(from: Date | undefined, to: Date | undefined): TimeRange {
    return {
        ...(from !== undefined && { from: timeOf(from, 'from') }),
        ...(to !== undefined && { to: timeOf(to, 'to') }),
    };
}

export function isEmptyRange({ from, to }: TimeRange): boolean {
    return to !== undefined && (to <= 0 || (from !== undefined && from >= to));
}

/**
 * Key bounds selecting times in a non-empty range: a later time has a smaller inverted value, so `to` gives the
 * lower bounds. `lower <= key < upper` holds for every `timeRowKey` in the range; partitions are bounded inclusively.
 */
export interface KeyBounds {
    rowKeyLower?: string;
    rowKeyUpper?: string;
    partitionLower?: string;
    partitionUpper?: string;
}

export function timeKeyBounds({ from, to }: TimeRange): KeyBounds {
    return {
        ...(to !== undefined && { rowKeyLower: invertedTime(to - 1), partitionLower: monthPartition(to - 1) }),
        ...(from !== undefined && from > 0 && { rowKeyUpper: invertedTime(from - 1) }),
        ...(from !== undefined && { partitionUpper: monthPartition(from) }),
    };
}

/** Event row keys: zero-padded so they sort in sequence order. */
const SEQUENCE_DIGITS = 10;

export function sequenceRowKey(sequence: number): string {
    return String(sequence).padStart(SEQUENCE_DIGITS, '0');
}

/** OData clauses for `timeKeyBounds`; partitions only where the table is partitioned by month (the timeline). */
export function timeFilterClauses(bounds: KeyBounds, byMonth: boolean): string[] {
    const clauses: string[] = [];
    if (bounds.rowKeyLower !== undefined) clauses.push(odata`RowKey ge ${bounds.rowKeyLower}`);
    if (bounds.rowKeyUpper !== undefined) clauses.push(odata`RowKey lt ${bounds.rowKeyUpper}`);
    if (byMonth && bounds.partitionLower !== undefined) clauses.push(odata`PartitionKey ge ${bounds.partitionLower}`);
    if (byMonth && bounds.partitionUpper !== undefined) clauses.push(odata`PartitionKey le ${bounds.partitionUpper}`);
    return clauses;
}
