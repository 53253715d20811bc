/**
 * The shapes of identifiers the service accepts. Kept apart from the request schema so that modules loaded at cold
 * start (configuration, routes) do not pull in the schema library.
 */
export const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/**
 * The characters Entra allows in a UPN's local part, and `+` (platform-facts §1): ASCII only, so look-alike
 * characters never reach Graph, and no `%`, so nothing arrives pre-encoded. Guests carry `#EXT#`.
 */
const UPN_LOCAL_PART = String.raw`[A-Za-z0-9'._\-!#^~+]{1,113}`;
export const UPN_PATTERN = new RegExp(
    String.raw`^${UPN_LOCAL_PART}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$`,
);
/** A UPN's local part alone (e.g. for a `startswith` filter literal). */
export const UPN_LOCAL_PART_PATTERN = new RegExp(`^${UPN_LOCAL_PART}$`);
/** BC environment names: letters, digits, `-` and `_`, at most 30 characters; nothing that could walk a path. */
export const ENVIRONMENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$/;
export const APPLICATION_FAMILY_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
/** Request ids become table keys and URL segments: a conservative alphabet keeps them readable everywhere. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** A request id, or one of its shards' (`<request id>.shard-007`): what status, holds and the CLI may name. */
export const STORED_REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}(\.shard-\d{3})?$/;
/** How a shard's id ends; reserved, so no request of a requester's can take a shard's id. */
export const SHARD_ID_SUFFIX_PATTERN = /\.shard-\d{3}$/;
/**
 * Characters no free text may hold: control characters, and the invisible ones that reorder or break what a reader
 * sees in a log or a table: bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the line and
 * paragraph separators (U+2028, U+2029).
 */
// eslint-disable-next-line no-control-regex
export const UNSAFE_TEXT_PATTERN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
