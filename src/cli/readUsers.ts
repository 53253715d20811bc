import { CsvError, parse } from 'csv-parse/sync';
import { GUID_PATTERN } from '../core/request/patterns';
import type { CliIo } from './io';

/**
 * A header cell, recognised so that an exported CSV can be used as it is: words only ("UserPrincipalName",
 * "User principal name", "object_id"). Anything with `@`, digits or dots is data, and goes to the schema to be
 * judged, so a mistyped first user is reported rather than silently skipped.
 */
const HEADER_CELL = /^[A-Za-z][A-Za-z _-]*$/;

/** Headers of columns that hold users in the exports admins have (Microsoft 365 admin center, Entra, Graph), by preference. */
const USER_COLUMNS = ['user principal name', 'userprincipalname', 'upn', 'object id', 'objectid', 'id'];

const DELIMITERS = [',', ';', '\t'] as const;

const normalise = (header: string) => header.trim().replace(/\s+/g, ' ').toLowerCase();
const quoted = (cells: readonly string[]) => cells.map((cell) => `"${cell}"`).join(', ');

/**
 * The delimiter of the file: the one of `,` `;` tab that occurs most often, outside quotes, in its first line of
 * data. Excel writes `;` where the decimal separator is a comma, and only quotes cells holding that delimiter, so
 * a `;` file's display names may hold bare commas: the delimiter has to be chosen once for the whole file.
 */
function delimiterOf(text: string): string {
    const first = text.split(/\r?\n/).find((line) => line.trim() !== '' && !line.trim().startsWith('#')) ?? '';
    const counts = new Map<string, number>();
    let inQuotes = false;
    for (const character of first) {
        if (character === '"') inQuotes = !inQuotes;
        else if (!inQuotes && (DELIMITERS as readonly string[]).includes(character))
            counts.set(character, (counts.get(character) ?? 0) + 1);
    }
    return DELIMITERS.reduce((best, candidate) =>
        (counts.get(candidate) ?? 0) > (counts.get(best) ?? 0) ? candidate : best,
    );
}

export type UsersFromCsv = { ok: true; users: string[] } | { ok: false; column: boolean; reason: string };

/**
 * Users from CSV text, read with a real CSV parser: quoted cells (with commas, quotes and line breaks), a byte-order
 * mark, CRLF, blank lines and lines starting with `#` are handled. With `column`, the users are that column, found
 * by its header (case and spacing ignored), so an export is used as it is. Without, the first column, with an
 * optional header line. Duplicates are left to the schema, which folds them.
 */
export function usersFromCsv(text: string, column?: string): UsersFromCsv {
    let rows: string[][];
    try {
        rows = parse(text, {
            bom: true,
            delimiter: delimiterOf(text.replace(/^\uFEFF/, '')),
            comment: '#',
            // A guest's UPN holds "#EXT#": only a whole line is a comment.
            comment_no_infix: true,
            relax_column_count: true,
            skip_empty_lines: true,
            trim: true,
        }) as string[][];
    } catch (error) {
        if (error instanceof CsvError)
            return { ok: false, column: false, reason: `is not valid CSV: ${error.message}` };
        throw error;
    }
    const cellsOf = (records: string[][], index: number) =>
        records.map((record) => record[index] ?? '').filter((cell) => cell !== '');
    const [header = [], ...data] = rows;

    if (column !== undefined) {
        const index = header.findIndex((cell) => normalise(cell) === normalise(column));
        if (index < 0)
            return {
                ok: false,
                column: true,
                reason: `no column "${column}" in the header line (${quoted(header)})`,
            };
        return { ok: true, users: cellsOf(data, index) };
    }

    const first = header[0] ?? '';
    const hasHeader = HEADER_CELL.test(first) && !GUID_PATTERN.test(first);
    if (!hasHeader) return { ok: true, users: cellsOf(rows, 0) };
    // The UPN column first: it is what an admin reads, and what the audit shows.
    const userColumn = USER_COLUMNS.map((name) => header.find((cell) => normalise(cell) === name)).find(
        (cell) => cell !== undefined,
    );
    if (userColumn !== undefined && !USER_COLUMNS.includes(normalise(first)))
        return {
            ok: false,
            column: false,
            reason: `its first column is "${first}", not users: name the users' column, e.g. --column "${userColumn}"`,
        };
    return { ok: true, users: cellsOf(data, 0) };
}

export interface UserSources {
    users: readonly string[];
    usersFile?: string;
    /** `-` was given: read standard input. */
    stdin: boolean;
    /** `--column`: the header of the column that holds the users, in the file and in standard input. */
    column?: string;
}

export type UsersRead = { ok: true; users: string[] } | { ok: false; option: string; reason: string };

/** Arguments first, then the file, then standard input, in that order. */
export async function readUsers(sources: UserSources, io: CliIo): Promise<UsersRead> {
    const users = [...sources.users];
    if (sources.column !== undefined && sources.usersFile === undefined && !sources.stdin)
        return { ok: false, option: '--column', reason: 'names a column of --users-file or of standard input (-)' };
    const take = (text: string, option: string, name: string): UsersRead | undefined => {
        const read = usersFromCsv(text, sources.column);
        if (read.ok) {
            users.push(...read.users);
            return undefined;
        }
        return { ok: false, option: read.column ? '--column' : option, reason: `${name}: ${read.reason}` };
    };
    if (sources.usersFile !== undefined) {
        let text: string;
        try {
            text = await io.readTextFile(sources.usersFile);
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
            return { ok: false, option: '--users-file', reason: `cannot read ${sources.usersFile} (${code})` };
        }
        const problem = take(text, '--users-file', sources.usersFile);
        if (problem) return problem;
    }
    if (sources.stdin) {
        const problem = take(await io.readStdin(), '-', 'standard input');
        if (problem) return problem;
    }
    return { ok: true, users };
}
