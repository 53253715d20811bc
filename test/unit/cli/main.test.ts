import { main } from '../../../src/cli/main';
import { memoryIo } from './memoryIo';

/** Enough configuration to get past `readConfig`; every case below stops before storage or a token is needed. */
const ENV = {
    AZURE_TENANT_ID: '11111111-1111-1111-1111-111111111111',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

async function run(argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
    const io = memoryIo({ env: options.env ?? ENV, ...(options.stdin !== undefined && { stdin: options.stdin }) });
    const code = await main(argv, io);
    return { code, stdout: io.out(), stderr: io.err() };
}

describe('bc-signout main', () => {
    it('prints the overall help, and each command its own', async () => {
        const overall = await run(['--help']);
        expect(overall.code).toBe(0);
        for (const name of ['signout', 'preview', 'resume', 'status', 'history', 'verify-audit', 'sweep'])
            expect(overall.stdout).toContain(name);
        expect(overall.stdout).toMatch(/DefaultAzureCredential/);
        const signout = await run(['signout', '--help']);
        expect(signout.code).toBe(0);
        expect(signout.stdout).toMatch(/--disable-bc <duration>/);
        expect((await run(['help', 'verify-audit'])).stdout).toMatch(/--from <ISO>, --to <ISO>/);
    });

    it('answers usage errors with 4 and the help pointer', async () => {
        expect(await run([])).toMatchObject({ code: 4, stdout: '' });
        const unknown = await run(['sign-out']);
        expect(unknown.code).toBe(4);
        expect(unknown.stderr).toMatch(/unknown command "sign-out"/);
        const option = await run(['status', 'abc', '--verbose']);
        expect(option.code).toBe(4);
        expect(option.stderr).toMatch(/Unknown option '--verbose'\.\nSee bc-signout status --help/);
    });

    it('names each bad field and changes nothing', async () => {
        const { code, stdout, stderr } = await run(
            [
                'signout',
                '-u',
                'alice@contoso.com',
                '-u',
                'not a user',
                '--env',
                '../etc',
                '--reason',
                'x',
                '--block',
                'soon',
            ],
            {
                env: {
                    ...ENV,
                    AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=nowhere;AccountKey=eA==',
                },
            },
        );
        expect(code).toBe(4);
        expect(stdout).toBe('');
        expect(stderr).toContain('--block: "soon" is not a duration');
        expect(stderr).toContain('users[1] "not a user": must be a user principal name');
        expect(stderr).toContain('environments[0] (--env): must be a Business Central environment name');
    });

    it('accepts --tenant only for a tenant the deployment serves (AZURE_TENANT_ID or ALLOWED_TENANT_IDS)', async () => {
        const other = '22222222-2222-2222-2222-222222222222';
        const refused = await run(['preview', '-u', 'alice@contoso.com', '-r', 'x', '--tenant', other, '--json']);
        expect(refused.code).toBe(4);
        expect(JSON.parse(refused.stdout)).toMatchObject({
            error: { details: [{ field: 'tenantId', reason: 'is not a tenant this deployment serves' }] },
        });
        const notGuid = await run(['preview', '-u', 'alice@contoso.com', '-r', 'x', '--tenant', 'contoso.com']);
        expect(notGuid.code).toBe(4);
        expect(notGuid.stderr).toContain('tenantId (--tenant): must be a GUID');
    });

    it('keeps standard output pure JSON with --json, errors included', async () => {
        const invalid = await run(['preview', '-', '--json', '--watch-minutes', '5000', '--reason', 'x'], {
            stdin: 'upn\nalice@contoso.com\n',
        });
        expect(invalid.code).toBe(4);
        const document = JSON.parse(invalid.stdout) as { error: { code: string; details: { field: string }[] } };
        expect(document.error.code).toBe('invalid-request');
        expect(document.error.details.map((d) => d.field)).toEqual(['watchMinutes']);
        expect(invalid.stderr).toContain('watchMinutes (--watch-minutes)');

        for (const argv of [
            ['status', 'not an id', '--json'],
            ['history', '--from', 'yesterday', '--json'],
            ['sweep', '--all', '--json'],
        ]) {
            const result = await run(argv);
            expect(result.code).toBe(4);
            expect(() => JSON.parse(result.stdout) as unknown).not.toThrow();
        }
    });

    it('refuses a wrong setting with 4, naming it, before doing anything', async () => {
        const result = await run(['status', 'abc', '--json'], { env: { AZURE_TENANT_ID: 'contoso' } });
        expect(result.code).toBe(4);
        expect(result.stderr).toContain('Setting AZURE_TENANT_ID is invalid: must be a GUID');
        expect((JSON.parse(result.stdout) as { error: { code: string } }).error.code).toBe('configuration');
    });

    it('checks history and verify-audit options before touching storage', async () => {
        const history = await run([
            'history',
            '--user',
            'nobody',
            '--page-size',
            '500',
            '--from',
            '2030-02-01T00:00:00Z',
            '--to',
            '2030-01-01T00:00:00Z',
        ]);
        expect(history.code).toBe(4);
        expect(history.stderr).toContain('--user: must be a user principal name or an object id');
        expect(history.stderr).toContain('--page-size: must be from 1 to 100');
        expect(history.stderr).toContain('--from: must not be after --to');
        expect((await run(['verify-audit'])).code).toBe(4);
        expect((await run(['verify-audit', 'abc', '--from', '2030-01-01T00:00:00Z'])).code).toBe(4);
        expect((await run(['verify-audit', '--from', '2030-01-01T00:00:00Z'])).stderr).toContain('--to: is required');
    });
});
