/**
 * The BC docs show some fields PascalCase and real clients see them camelCase (platform-facts §2): read either.
 */
export function field(source: unknown, camelName: string): unknown {
    if (typeof source !== 'object' || source === null) return undefined;
    const record = source as Record<string, unknown>;
    if (camelName in record) return record[camelName];
    return record[camelName.charAt(0).toUpperCase() + camelName.slice(1)];
}

export function stringField(source: unknown, camelName: string): string | undefined {
    const value = field(source, camelName);
    return typeof value === 'string' ? value : undefined;
}

/** A collection answer `{ value: [...] }`; some documented single-object answers come wrapped the same way. */
export function collectionItems(body: unknown): unknown[] {
    const value = field(body, 'value');
    if (Array.isArray(value)) return value;
    return typeof body === 'object' && body !== null ? [body] : [];
}

/** The next page link, when the service pages (none is documented, so it is followed only when present). */
export function nextLinkOf(body: unknown): string | undefined {
    const link = field(body, '@odata.nextLink');
    return typeof link === 'string' ? link : undefined;
}
