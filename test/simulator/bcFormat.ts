/** `12/18/2025 3:44:21 PM`: the US-style UTC text `logOnDate` comes as in practice (platform-facts §2). */
export function usDateTime(time: number): string {
    const date = new Date(time);
    const hours = date.getUTCHours();
    const pad = (value: number) => String(value).padStart(2, '0');
    return (
        `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()} ` +
        `${hours % 12 || 12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`
    );
}

/** Parses what `usDateTime` writes; for tests that compare a session's log-on time. */
export function parseUsDateTime(text: string): number {
    const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) (AM|PM)$/.exec(text);
    if (!match) return Number.NaN;
    const [, month, day, year, hour, minute, second, half] = match.map((part) => part ?? '');
    const hours = (Number(hour) % 12) + (half === 'PM' ? 12 : 0);
    return Date.UTC(Number(year), Number(month) - 1, Number(day), hours, Number(minute), Number(second));
}

/** Every property name PascalCase, nested objects included. */
export function pascalCased(value: Record<string, unknown>): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) {
        const isObject = typeof item === 'object' && item !== null && !Array.isArray(item);
        result[name.charAt(0).toUpperCase() + name.slice(1)] = isObject
            ? pascalCased(item as Record<string, unknown>)
            : item;
    }
    return result;
}
