/**
 * Session `logOnDate` comes as a US-style UTC string (`12/18/2025 3:44:21 PM`), not ISO 8601 (platform-facts §2).
 * Returns ISO 8601 when the text can be read, otherwise the text itself.
 */
export function normaliseLogOnDate(value: string): string {
    const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?: ?([AP]M))?$/i.exec(value.trim());
    if (us) {
        const [, month, day, year, hour, minute, second, meridiem] = us;
        let h = Number(hour);
        if (meridiem) h = (h % 12) + (meridiem.toUpperCase() === 'PM' ? 12 : 0);
        const date = new Date(
            Date.UTC(Number(year), Number(month) - 1, Number(day), h, Number(minute), Number(second)),
        );
        if (!Number.isNaN(date.getTime())) return date.toISOString();
    }
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? value : new Date(parsed).toISOString();
}
