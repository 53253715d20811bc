import { readUsers, usersFromCsv } from '../../../src/cli/readUsers';
import { m365UserExport } from '../../support/m365Export';
import { memoryIo } from './memoryIo';

const M365_EXPORT = m365UserExport([
    {
        displayName: 'Müller, Hans',
        userPrincipalName: 'hans.mueller@contoso.com',
        objectId: '4c1e2d3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
        title: 'Head of Finance, DACH',
    },
    {
        displayName: 'O\'Neil, Dan "Danny"',
        userPrincipalName: "dan.o'neil+bc@contoso.com",
        objectId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
    },
    {
        displayName: 'Guest Bob',
        userPrincipalName: 'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com',
        objectId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    },
]);

/** The users read, or the reason they could not be. */
function usersOf(text: string, column?: string): string[] {
    const read = usersFromCsv(text, column);
    if (!read.ok) throw new Error(read.reason);
    return read.users;
}

describe('usersFromCsv', () => {
    it('reads a Microsoft 365 admin center export as it is, by the column header', () => {
        expect(usersOf(M365_EXPORT, 'User principal name')).toEqual([
            'hans.mueller@contoso.com',
            "dan.o'neil+bc@contoso.com",
            'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com',
        ]);
        expect(usersOf(M365_EXPORT, '  object  ID ')).toEqual([
            '4c1e2d3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
            '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
            '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
        ]);
    });

    it('names the columns there are when the named one is missing', () => {
        expect(usersFromCsv('Display name,Mail\n"Müller, Hans",h@contoso.com\n', 'UPN')).toEqual({
            ok: false,
            column: true,
            reason: 'no column "UPN" in the header line ("Display name", "Mail")',
        });
    });

    it("refuses to take an export's first column for users, and says which option to use", () => {
        expect(usersFromCsv(M365_EXPORT)).toEqual({
            ok: false,
            column: false,
            reason: 'its first column is "Block credential", not users: name the users\' column, e.g. --column "User principal name"',
        });
    });

    it('takes the first column of a simple list, with or without a header, skipping blank lines and comments', () => {
        const csv = [
            '\uFEFFUserPrincipalName,Display name',
            '# leavers, March',
            '',
            'alice@contoso.com,Alice Adams',
            '"carol@contoso.com","Chen, Carol"',
            '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e06,Hank',
            '   # indented comment',
        ].join('\r\n');
        expect(usersOf(csv)).toEqual([
            'alice@contoso.com',
            'carol@contoso.com',
            '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e06',
        ]);
        expect(usersOf('alice@contoso.com\nbob@contoso.com')).toEqual(['alice@contoso.com', 'bob@contoso.com']);
    });

    it('reads the delimiter of the file: ";" (Excel in many locales, bare commas in names) and tab', () => {
        const semicolons = 'Display name;User principal name\r\nMüller, Hans;hans.mueller@contoso.com\r\n';
        expect(usersOf(semicolons, 'User principal name')).toEqual(['hans.mueller@contoso.com']);
        expect(usersOf('upn\tname\nalice@contoso.com\tAlice, A.\n')).toEqual(['alice@contoso.com']);
    });

    it('keeps a mistyped first user for the schema to report, and guest UPNs whose # is not a comment', () => {
        expect(usersOf('alice.contoso.com\nbob@contoso.com')).toEqual(['alice.contoso.com', 'bob@contoso.com']);
        expect(usersOf('bob_fabrikam.com#EXT#@contoso.onmicrosoft.com')).toEqual([
            'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com',
        ]);
    });

    it('reads quoted cells with escaped quotes and line breaks', () => {
        expect(usersOf('"dan.o\'neil+bc@contoso.com","line\nbreak"\n"a""b@contoso.com",x')).toEqual([
            "dan.o'neil+bc@contoso.com",
            'a"b@contoso.com',
        ]);
    });

    it('says where a file is not valid CSV', () => {
        const read = usersFromCsv('upn\n"alice@contoso.com\n');
        expect(read.ok).toBe(false);
        expect(!read.ok && read.reason).toMatch(/^is not valid CSV: Quote Not Closed/);
    });

    it('answers nothing for an empty, comment-only or header-only input', () => {
        for (const text of ['', '# nobody\n\n', 'upn\n', 'User principal name\r\n']) expect(usersOf(text)).toEqual([]);
    });
});

describe('readUsers', () => {
    it('combines arguments, the file and standard input, in that order', async () => {
        const io = memoryIo({
            env: {},
            files: { 'users.csv': 'upn\nbob@contoso.com\n' },
            stdin: 'carol@contoso.com\n',
        });
        expect(await readUsers({ users: ['alice@contoso.com'], usersFile: 'users.csv', stdin: true }, io)).toEqual({
            ok: true,
            users: ['alice@contoso.com', 'bob@contoso.com', 'carol@contoso.com'],
        });
    });

    it('reads the named column of the file and of standard input', async () => {
        const io = memoryIo({ env: {}, files: { 'export.csv': M365_EXPORT }, stdin: M365_EXPORT });
        const read = await readUsers(
            { users: [], usersFile: 'export.csv', stdin: true, column: 'User principal name' },
            io,
        );
        expect(read.ok && read.users).toHaveLength(6);
    });

    it('names the option when the file cannot be read, is not CSV, or lacks the column', async () => {
        const io = memoryIo({ env: {}, files: { 'bad.csv': 'upn\n"x\n', 'export.csv': M365_EXPORT } });
        expect(await readUsers({ users: [], usersFile: 'missing.csv', stdin: false }, io)).toEqual({
            ok: false,
            option: '--users-file',
            reason: 'cannot read missing.csv (ENOENT)',
        });
        expect(await readUsers({ users: [], usersFile: 'bad.csv', stdin: false }, io)).toMatchObject({
            ok: false,
            option: '--users-file',
            reason: expect.stringMatching(/^bad\.csv: is not valid CSV/),
        });
        expect(await readUsers({ users: [], usersFile: 'export.csv', stdin: false, column: 'UPN' }, io)).toMatchObject({
            ok: false,
            option: '--column',
            reason: expect.stringMatching(/^export\.csv: no column "UPN"/),
        });
        expect(await readUsers({ users: [], usersFile: 'export.csv', stdin: false }, io)).toMatchObject({
            ok: false,
            option: '--users-file',
            reason: expect.stringContaining('--column "User principal name"'),
        });
    });

    it('refuses --column without a file or standard input to apply it to', async () => {
        expect(
            await readUsers({ users: ['a@contoso.com'], stdin: false, column: 'UPN' }, memoryIo({ env: {} })),
        ).toEqual({ ok: false, option: '--column', reason: 'names a column of --users-file or of standard input (-)' });
    });
});
