import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '../../..');

/**
 * docs/cli.md's installation, as written: `npm run build`, then `npm install -g .`, here into a temporary npm
 * prefix so nothing outside the test changes. Offline: installing a folder globally links it and fetches nothing.
 */
describe('bc-signout installs as a command', () => {
    let prefix: string;
    const bin = () =>
        path.join(prefix, process.platform === 'win32' ? 'bc-signout.cmd' : path.join('bin', 'bc-signout'));
    const npm = (args: string[]) =>
        spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8', shell: process.platform === 'win32' });

    beforeAll(() => {
        prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'bcfs-prefix-'));
        const build = npm(['run', '--silent', 'build']);
        if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
        const install = npm(['install', '-g', '.', '--prefix', prefix, '--offline', '--no-audit', '--no-fund']);
        if (install.status !== 0) throw new Error(`npm install -g . failed:\n${install.stdout}${install.stderr}`);
    }, 120_000);
    afterAll(() => fs.rmSync(prefix, { recursive: true, force: true }));

    it('puts bc-signout on the prefix bin path, and it runs', () => {
        const help = spawnSync(bin(), ['--help'], { encoding: 'utf8', shell: process.platform === 'win32' });
        expect(help.status).toBe(0);
        expect(help.stdout).toMatch(/^bc-signout: /);
        for (const command of ['signout', 'preview', 'status', 'history', 'verify-audit', 'sweep'])
            expect(help.stdout).toContain(command);
    });

    it('reads its configuration from the environment, as documented, and names what is missing', () => {
        const run = spawnSync(bin(), ['status', 'any-request'], {
            encoding: 'utf8',
            env: { PATH: process.env.PATH ?? '' },
            shell: process.platform === 'win32',
        });
        expect(run.status).toBe(4);
        expect(run.stderr).toContain('AZURE_TENANT_ID');
    });
});
