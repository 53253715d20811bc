/**
 * Encodes one URL path segment. `encodeURIComponent` leaves `'()*!` alone; OData reads `'` and parentheses as
 * syntax, so they are encoded too (a UPN may contain `'`, platform-facts §1).
 */
export function encodePathSegment(value: string): string {
    return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
