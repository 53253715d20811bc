/**
 * The audit trail must never hold a credential, but error details are free text from remote services and may
 * echo a request back. This scrubber is a last line of defence before such text is written, and for what is shown.
 * It never rewrites user names, environment names or reasons: members holding them are left as they are (a UPN
 * that starts with `eyJ` is a UPN), and a token is only taken for one when it has a JWT's header and payload.
 */
export const REDACTED = '[redacted]';

const SECRET_NAMES = 'client_secret|client_assertion|access_token|refresh_token|id_token|password|accountkey|sig';

const PATTERNS: readonly [RegExp, string][] = [
    // A JWT: header and payload are JSON objects (`{"` base64url-encoded is `eyJ`), with or without a signature.
    [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?/g, REDACTED],
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

/** Members that name users, environments or why: validated where they came in, and never rewritten. */
const VERBATIM_KEYS = new Set(
    [
        'user',
        'users',
        'userPrincipalName',
        'bcUserNames',
        'unmatchedSessionUserNames',
        'environment',
        'environments',
        'name',
        'reason',
        'requestedBy',
    ].map(normaliseName),
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
            Object.entries(value).map(([key, member]) => {
                const name = normaliseName(key);
                if (VERBATIM_KEYS.has(name)) return [key, member];
                return [
                    key,
                    SECRET_KEYS.has(name) && member !== null && member !== undefined ? REDACTED : scrub(member),
                ];
            }),
        );
    }
    return value;
}
