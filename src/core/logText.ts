/**
 * A value quoted in a log line, escaped: control characters, bidirectional overrides and line separators become
 * `\uXXXX`, so text from a request or a message can neither start a forged line nor reorder what a reader sees.
 */
export function quoted(value: string): string {
    return JSON.stringify(value).replace(
        /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
        (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
}
