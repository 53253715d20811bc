/**
 * Builds the deployment package, the one folder azd zips and Flex Consumption runs (azure.yaml `dist`): the
 * compiled `dist`, host.json, a package.json and the production dependencies, nothing else. It is built here rather
 * than remotely (platform-facts §12), so what runs in Azure is exactly what `npm run package` shows.
 *
 *   npm run package                 -> artifacts/functionapp
 *   npm run package -- --out <dir>  -> another folder (the tests use a temporary one)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
export const DEFAULT_PACKAGE_DIR = path.join('artifacts', 'functionapp');

interface LockEntry {
    version?: string;
    dev?: boolean;
    optional?: boolean;
    link?: boolean;
}

export interface ProductionPackage {
    /** Where npm put it, relative to the project: `node_modules/a` or `node_modules/a/node_modules/b`. */
    path: string;
    version: string | undefined;
    optional: boolean;
}

/**
 * The packages `npm ci --omit=dev` would install, at the paths it would install them: package-lock.json marks
 * every package only development needs with `dev: true`, and the same tree places each package once.
 */
export function productionPackages(lock: { packages?: Record<string, LockEntry> }): ProductionPackage[] {
    return Object.entries(lock.packages ?? {})
        .filter(([location, entry]) => location.startsWith('node_modules/') && entry.dev !== true)
        .map(([location, entry]) => {
            if (entry.link) throw new Error(`${location} is a link (a workspace): the package cannot carry it`);
            return { path: location, version: entry.version, optional: entry.optional === true };
        });
}

/** package.json as deployed: what the Functions host reads (`main`) and what describes the app; no scripts. */
function deployedManifest(manifest: Record<string, unknown>): Record<string, unknown> {
    const keep = ['name', 'version', 'description', 'private', 'license', 'main', 'engines', 'dependencies'];
    return Object.fromEntries(keep.filter((key) => key in manifest).map((key) => [key, manifest[key]]));
}

/**
 * Whether a dependency's file is one the runtime can load. Source maps, type declarations and TypeScript project
 * files are for editors, compilers and debuggers: they are over half of what the OpenTelemetry packages install,
 * and a Flex Consumption instance downloads the whole package on a cold start.
 */
export function runtimeFile(file: string): boolean {
    return !/(\.(map|d\.ts|d\.mts|d\.cts)|(^|[/\\])tsconfig[^/\\]*\.json)$/.test(file);
}

/**
 * Copies one installed package without its own `node_modules` (what is nested there is a lock entry of its own,
 * and is copied only when production needs it) and without what the runtime never loads.
 */
function copyInstalled(root: string, out: string, entry: ProductionPackage): void {
    const from = path.join(root, entry.path);
    if (!fs.existsSync(from)) {
        // npm skips optional packages that do not fit this platform.
        if (entry.optional) return;
        throw new Error(`${entry.path} is in package-lock.json but not installed: run npm ci first`);
    }
    const installed = (JSON.parse(fs.readFileSync(path.join(from, 'package.json'), 'utf8')) as { version?: string })
        .version;
    if (entry.version !== undefined && installed !== entry.version)
        throw new Error(`${entry.path} is ${installed} but package-lock.json says ${entry.version}: run npm ci first`);
    const nested = path.join(from, 'node_modules');
    fs.cpSync(from, path.join(out, entry.path), {
        recursive: true,
        filter: (source) => source !== nested && runtimeFile(source),
    });
}

function compile(root: string, outDir: string): void {
    const tsc = require.resolve('typescript/bin/tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], {
        cwd: root,
        stdio: 'inherit',
    });
    if (run.status !== 0) throw new Error(`the TypeScript build failed (exit code ${run.status})`);
}

/** Builds the package into `out` (emptied first) and answers its size in bytes. */
export function buildPackage(root: string, out: string): number {
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    compile(root, path.join(out, 'dist'));
    fs.copyFileSync(path.join(root, 'host.json'), path.join(out, 'host.json'));
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(deployedManifest(manifest), null, 2)}\n`);
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as Parameters<
        typeof productionPackages
    >[0];
    for (const entry of productionPackages(lock)) copyInstalled(root, out, entry);
    return sizeOf(out);
}

export function sizeOf(target: string): number {
    const stat = fs.statSync(target);
    if (!stat.isDirectory()) return stat.size;
    return fs.readdirSync(target).reduce((total, name) => total + sizeOf(path.join(target, name)), 0);
}

function outOf(args: readonly string[]): string {
    const index = args.indexOf('--out');
    if (index < 0) return path.join(ROOT, DEFAULT_PACKAGE_DIR);
    const value = args[index + 1];
    if (!value) throw new Error('--out needs a folder');
    return path.resolve(value);
}

if (require.main === module) {
    try {
        const out = outOf(process.argv.slice(2));
        const bytes = buildPackage(ROOT, out);
        console.log(
            `Deployment package: ${path.relative(process.cwd(), out) || '.'} (${(bytes / 2 ** 20).toFixed(1)} MB)`,
        );
    } catch (error) {
        console.error(`npm run package: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
    }
}
