/**
 * The shapes of identifiers the service accepts. Kept apart from the request schema so that modules loaded at cold
 * start (configuration, routes) do not pull in the schema library.
 */
export const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/**
 * The characters Entra allows in a UPN's local part, and `+` (platform-facts §1): ASCII only, so look-alike
 * characters never reach Graph, and no `%`, so nothing arrives pre-encoded. Guests carry `#EXT#`.
 */
export const UPN_PATTERN = /^[A-Za-z0-9'._\-!#^~+]{1,113}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$/;
/** BC environment names: letters, digits, `-` and `_`, at most 30 characters; nothing that could walk a path. */
export const ENVIRONMENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$/;
export const APPLICATION_FAMILY_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
/** Request ids become table keys and URL segments: a conservative alphabet keeps them readable everywhere. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
