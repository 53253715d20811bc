/**
 * The audit trail must never hold a credential, but error details are free text from remote services and may
 * echo a request back. This scrubber is a last line of defence before anything is written.
 */
export const REDACTED = '[redacted]';

const SECRET_NAMES = 'client_secret|client_assertion|access_token|refresh_token|id_token|password|accountkey|sig';

const PATTERNS: readonly [RegExp, string][] = [
    // A JWT (header `{"` base64url-encoded is `eyJ`), with or without its payload and signature.
    [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}/g, REDACTED],
    [/\b(Bearer|Basic|SharedKey)\s+[A-Za-z0-9\-._~+/:]+=*/gi, `$1 ${REDACTED}`],
    // Form and query strings, connection strings: `name=value` up to the next separator.
    [new RegExp(`\\b(${SECRET_NAMES})=[^&;\\s"']+`, 'gi'), `$1=${REDACTED}`],
    // JSON echoed into a text: `"name": "value"`, escaped quotes inside the value included.
    [new RegExp(`("(?:${SECRET_NAMES})"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1${REDACTED}"`],
];

/** Member names compared without case, `_` and `-`: `clientSecret`, `client_secret` and `Client-Secret` alike. */
const SECRET_KEYS = new Set(
    [...SECRET_NAMES.split('|'), 'secret', 'token', 'authorization', 'credential', 'apikey', 'connectionstring']
        .flatMap((name) => [name, `${name}s`])
        .map(normaliseName),
);

function normaliseName(name: string): string {
    return name.toLowerCase().replace(/[_-]/g, '');
}

export function scrubText(text: string): string {
    return PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** Scrubs every string inside a JSON value and blanks members whose name says they hold a secret. */
export function scrubValue<T>(value: T): T {
    return scrub(value) as T;
}

function scrub(value: unknown): unknown {
    if (typeof value === 'string') return scrubText(value);
    if (Array.isArray(value)) return value.map(scrub);
    if (value !== null && typeof value === 'object') {
        return Object.fromEntries(
            Object.entries(value).map(([key, member]) => [
                key,
                SECRET_KEYS.has(normaliseName(key)) && member !== null && member !== undefined
                    ? REDACTED
                    : scrub(member),
            ]),
        );
    }
    return value;
}
