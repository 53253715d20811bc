/** Prints a titled two-or-more-column table, columns padded to their widest cell. */
export function printTable(title: string, rows: readonly (readonly string[])[]): void {
    const widths: number[] = [];
    for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
    console.log(`\n${title}`);
    console.log(
        '-'.repeat(
            Math.min(
                120,
                widths.reduce((sum, width) => sum + width + 3, 0),
            ),
        ),
    );
    for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | '));
}

export const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;
export const seconds = (value: number) => `${(value / 1000).toFixed(2)} s`;
export const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
