import { readUsers, usersFromText } from '../../../src/cli/readUsers';
import { memoryIo } from './memoryIo';

describe('usersFromText', () => {
    it('takes the first column, skipping blank lines, comments and a header', () => {
        const csv = [
            '\uFEFFUserPrincipalName,Display name',
            '# leavers, March',
            '',
            'alice@contoso.com,Alice Adams',
            '  bob@contoso.com ; Bob',
            '"carol@contoso.com","Chen, Carol"',
            '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e06\tHank',
            '   # indented comment',
        ].join('\r\n');
        expect(usersFromText(csv)).toEqual([
            'alice@contoso.com',
            'bob@contoso.com',
            'carol@contoso.com',
            '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e06',
        ]);
    });

    it('needs no header, and keeps a mistyped first user for the schema to report', () => {
        expect(usersFromText('alice@contoso.com\nbob@contoso.com')).toEqual(['alice@contoso.com', 'bob@contoso.com']);
        expect(usersFromText('alice.contoso.com\nbob@contoso.com')).toEqual(['alice.contoso.com', 'bob@contoso.com']);
        expect(usersFromText('3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e06')).toEqual(['3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e06']);
    });

    it('keeps guest UPNs, whose # is not a comment', () => {
        expect(usersFromText('bob_fabrikam.com#EXT#@contoso.onmicrosoft.com')).toEqual([
            'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com',
        ]);
    });

    it('reads a quoted cell with an escaped quote', () => {
        expect(usersFromText('"dan.o\'neil+bc@contoso.com",x\n"a""b@contoso.com"')).toEqual([
            "dan.o'neil+bc@contoso.com",
            'a"b@contoso.com',
        ]);
    });

    it('answers nothing for an empty or comment-only input', () => {
        expect(usersFromText('')).toEqual([]);
        expect(usersFromText('# nobody\n\n')).toEqual([]);
        expect(usersFromText('upn\n')).toEqual([]);
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

    it('names the option when the file cannot be read', async () => {
        expect(await readUsers({ users: [], usersFile: 'missing.csv', stdin: false }, memoryIo({ env: {} }))).toEqual({
            ok: false,
            option: '--users-file',
            reason: 'cannot read missing.csv (ENOENT)',
        });
    });
});
