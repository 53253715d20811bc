import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_PACKAGE_DIR, productionPackages, runtimeFile, sizeOf } from '../../../scripts/package';

const ROOT = path.join(__dirname, '../../..');
const read = (relative: string) => fs.readFileSync(path.join(ROOT, relative), 'utf8');
const manifest = JSON.parse(read('package.json')) as {
    main: string;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
};
const lock = JSON.parse(read('package-lock.json')) as Parameters<typeof productionPackages>[0];

/**
 * What a Flex Consumption instance loads on a cold start grows with the package. With the telemetry SDK it is about
 * 60 MB; the budget leaves room to grow, not for development dependencies (those alone are over 300 MB).
 */
const SIZE_BUDGET_IN_BYTES = 120 * 2 ** 20;

/** Every file under `root`, as paths relative to it. */
function filesUnder(root: string, dir = root): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? filesUnder(root, full) : [path.relative(root, full)];
    });
}

describe('productionPackages (what npm ci --omit=dev installs)', () => {
    it('keeps production and optional packages at their lock paths, and leaves out what only development needs', () => {
        const packages = productionPackages({
            packages: {
                '': { version: '1.0.0' },
                'node_modules/a': { version: '1.0.0' },
                'node_modules/a/node_modules/b': { version: '2.0.0' },
                'node_modules/jest': { version: '30.0.0', dev: true },
                'node_modules/fsevents': { version: '2.3.3', optional: true },
            },
        });
        expect(packages).toEqual([
            { path: 'node_modules/a', version: '1.0.0', optional: false },
            { path: 'node_modules/a/node_modules/b', version: '2.0.0', optional: false },
            { path: 'node_modules/fsevents', version: '2.3.3', optional: true },
        ]);
    });

    it('refuses a linked workspace package rather than deploy a link', () => {
        expect(() => productionPackages({ packages: { 'node_modules/x': { link: true } } })).toThrow('is a link');
    });
});

describe('npm run package: the folder azd deploys', () => {
    let out: string;
    let files: string[];

    beforeAll(() => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), 'bcfs-package-'));
        const run = spawnSync('npm', ['run', '--silent', 'package', '--', '--out', out], {
            cwd: ROOT,
            encoding: 'utf8',
            shell: process.platform === 'win32',
        });
        if (run.status !== 0) throw new Error(`npm run package failed:\n${run.stdout}\n${run.stderr}`);
        files = filesUnder(out);
    }, 180_000);
    afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

    it('holds exactly the compiled app, host.json, package.json and node_modules', () => {
        expect(fs.readdirSync(out).sort()).toEqual(['dist', 'host.json', 'node_modules', 'package.json']);
        expect(fs.readFileSync(path.join(out, 'host.json'), 'utf8')).toBe(read('host.json'));
    });

    it('compiles every function the host indexes through package.json main', () => {
        const deployed = JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
        expect(deployed.main).toBe(manifest.main);
        expect(deployed.dependencies).toEqual(manifest.dependencies);
        expect(deployed).not.toHaveProperty('devDependencies');
        expect(deployed).not.toHaveProperty('scripts');
        const functions = fs.readdirSync(path.join(ROOT, 'src', 'functions')).filter((name) => name.endsWith('.ts'));
        expect(functions.length).toBeGreaterThan(0);
        for (const name of functions)
            expect(files).toContain(path.join('dist', 'src', 'functions', name.replace(/\.ts$/, '.js')));
    });

    it('carries every production dependency and no development dependency', () => {
        for (const name of Object.keys(manifest.dependencies))
            expect([name, fs.existsSync(path.join(out, 'node_modules', name))]).toEqual([name, true]);
        // A development dependency production needs anyway (an SDK the tests use directly) is not one of them.
        const developmentOnly = (name: string) => lock.packages?.[`node_modules/${name}`]?.dev === true;
        for (const name of Object.keys(manifest.devDependencies))
            expect([name, fs.existsSync(path.join(out, 'node_modules', name))]).toEqual([name, !developmentOnly(name)]);
        const devOnly = Object.entries(lock.packages ?? {})
            .filter(([location, entry]) => location.startsWith('node_modules/') && entry.dev === true)
            .map(([location]) => location)
            .filter((location) => fs.existsSync(path.join(out, location)));
        expect(devOnly).toEqual([]);
    });

    it('runs from its own node_modules: every compiled module loads with nothing outside the folder', () => {
        // Node resolves upwards from the folder: an ancestor's node_modules would hide a missing dependency.
        const ancestors: string[] = [];
        for (let dir = path.dirname(out); dir !== path.dirname(dir); dir = path.dirname(dir)) ancestors.push(dir);
        expect(ancestors.filter((dir) => fs.existsSync(path.join(dir, 'node_modules')))).toEqual([]);
        const modules = files.filter((file) => file.startsWith('dist') && file.endsWith('.js'));
        const script = `for (const file of ${JSON.stringify(modules)}) require('./' + file);`;
        // The CLI entry point runs when it is the main module only, so requiring it is safe too.
        const run = spawnSync(process.execPath, ['-e', script], { cwd: out, encoding: 'utf8', env: { PATH: '' } });
        expect(run.stderr.split('\n').filter((line) => /Error|Cannot find module/.test(line))).toEqual([]);
        expect(run.status).toBe(0);
    });

    it('ships no TypeScript sources, tests, local settings, certificates or keys', () => {
        const own = files.filter((file) => !file.startsWith(`node_modules${path.sep}`));
        expect(own.filter((file) => file.endsWith('.ts'))).toEqual([]);
        expect(own.filter((file) => /(^|[/\\])test([/\\]|$)|\.test\.js$/.test(file))).toEqual([]);
        expect(
            files.filter((file) => /(^|[/\\])(local\.settings\.json|\.env|tsconfig[^/\\]*\.json)$/.test(file)),
        ).toEqual([]);
        expect(own.filter((file) => /\.(pem|pfx|key|crt)$/.test(file))).toEqual([]);
        expect(files.some((file) => file.includes(path.join('test', 'simulator')))).toBe(false);
    });

    it("leaves out the dependencies' source maps, type declarations and TypeScript projects", () => {
        const dependencyFiles = files.filter((file) => file.startsWith(`node_modules${path.sep}`));
        expect(dependencyFiles.length).toBeGreaterThan(0);
        expect(dependencyFiles.filter((file) => !runtimeFile(file))).toEqual([]);
        const names = ['a.js', 'a.js.map', 'a.d.ts', 'a.d.cts', 'a.json', path.join('p', 'tsconfig.build.json')];
        expect(names.filter(runtimeFile)).toEqual(['a.js', 'a.json']);
    });

    it('holds no native addon: a package built on any machine must run on the Linux instances', () => {
        expect(files.filter((file) => file.endsWith('.node'))).toEqual([]);
    });

    it(`stays under the size budget of ${SIZE_BUDGET_IN_BYTES / 2 ** 20} MB`, () => {
        expect(sizeOf(out)).toBeLessThan(SIZE_BUDGET_IN_BYTES);
    });
});

describe('azure.yaml deploys that folder as it is', () => {
    const azureYaml = read('azure.yaml');

    it('builds locally: the service takes the package folder and asks for no remote build', () => {
        expect(azureYaml).toMatch(/^\s+host: function$/m);
        expect(azureYaml).toMatch(/^\s+language: ts$/m);
        expect(azureYaml).toMatch(new RegExp(`^\\s+dist: ${DEFAULT_PACKAGE_DIR.split(path.sep).join('/')}$`, 'm'));
        // Without an explicit false, azd leaves node_modules out of the zip and builds remotely (platform-facts §12).
        expect(azureYaml).toMatch(/^\s+remoteBuild: false$/m);
    });

    it('runs npm run package before azd packages the service', () => {
        const prepackage = /^\s+prepackage:\n((?:\s{6,}.*\n)+)/m.exec(azureYaml)?.[1] ?? '';
        const runs = [...prepackage.matchAll(/run: (.*)$/gm)].map((match) => match[1]);
        expect(runs.length).toBeGreaterThan(0);
        for (const run of runs) expect(run).toBe('npm run package');
    });

    it('needs an azd that honours remoteBuild: false for TypeScript apps', () => {
        expect(azureYaml).toMatch(/^requiredVersions:\n\s+azd: '>= 1\.23\.12'$/m);
    });

    it('has no .funcignore that excludes node_modules: azd refuses remoteBuild: false with one', () => {
        const funcignore = path.join(ROOT, '.funcignore');
        const lines = fs.existsSync(funcignore) ? fs.readFileSync(funcignore, 'utf8').split(/\r?\n/) : [];
        expect(lines.filter((line) => /^\/?node_modules\/?$/.test(line.trim()))).toEqual([]);
    });
});
