import { GUID_PATTERN } from '../core/request/patterns';
import type { CliIo } from './io';

/**
 * A header cell, recognised so that an exported CSV can be used as it is: words only ("UserPrincipalName",
 * "User principal name", "object_id"). Anything with `@`, digits or dots is data, and goes to the schema to be
 * judged, so a mistyped first user is reported rather than silently skipped.
 */
const HEADER_CELL = /^[A-Za-z][A-Za-z _-]*$/;

/** The first cell of a CSV line: quoted (`"a@b.com",...`, `""` for a quote) or up to the first `,`, `;` or tab. */
function firstCell(line: string): string {
    if (!line.startsWith('"')) return line.split(/[,;\t]/, 1)[0]!.trim();
    let cell = '';
    for (let index = 1; index < line.length; index++) {
        const character = line[index];
        if (character !== '"') cell += character;
        else if (line[index + 1] === '"') {
            cell += '"';
            index++;
        } else break;
    }
    return cell.trim();
}

/**
 * Users from a CSV file or standard input: the first column of each line; blank lines and lines starting with `#`
 * are skipped, and a header line is optional. Duplicates are left to the schema, which folds them.
 */
export function usersFromText(text: string): string[] {
    const cells = text
        .replace(/^\uFEFF/, '') // Excel writes a byte-order mark
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map(firstCell)
        .filter((cell) => cell !== '');
    const [first] = cells;
    const hasHeader = first !== undefined && HEADER_CELL.test(first) && !GUID_PATTERN.test(first);
    return hasHeader ? cells.slice(1) : cells;
}

export interface UserSources {
    users: readonly string[];
    usersFile?: string;
    /** `-` was given: read standard input. */
    stdin: boolean;
}

export type UsersRead = { ok: true; users: string[] } | { ok: false; option: string; reason: string };

/** Arguments first, then the file, then standard input, in that order. */
export async function readUsers(sources: UserSources, io: CliIo): Promise<UsersRead> {
    const users = [...sources.users];
    if (sources.usersFile !== undefined) {
        try {
            users.push(...usersFromText(await io.readTextFile(sources.usersFile)));
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
            return { ok: false, option: '--users-file', reason: `cannot read ${sources.usersFile} (${code})` };
        }
    }
    if (sources.stdin) users.push(...usersFromText(await io.readStdin()));
    return { ok: true, users };
}
