import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { readConfig } from '../../src/config';
import { SETTINGS } from '../../src/settings';
import { FIXTURE } from '../simulator';
import { FIXTURE_PROTECTION, type LocalSettingsFile } from '../simulator/localSettings';
import { m365UserExport } from '../support/m365Export';
import { memoryIo } from '../unit/cli/memoryIo';

const ROOT = path.join(__dirname, '..', '..');
const DOCS = ['README.md', 'docs/cli.md'];
const read = (relative: string) => fs.readFileSync(path.join(ROOT, relative), 'utf8');

/** The `bash` code blocks of a Markdown text, with `\` continuations joined and whole-line comments dropped. */
function bashLines(markdown: string): string[] {
    const blocks = [...markdown.matchAll(/^```(?:bash|sh)\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
    return blocks.flatMap((block) =>
        block
            .replace(/\\\n\s*/g, ' ')
            .split('\n')
            .map((line) => line.trim())
            .filter((line) => line !== '' && !line.startsWith('#')),
    );
}

/**
 * A command line split as a POSIX shell splits these examples: bare words, '...' and "..." (with \" and \\), and a
 * trailing `# comment`. Anything a single process cannot run (pipes, redirection, substitution) is refused.
 */
function shellWords(line: string): string[] {
    const words: string[] = [];
    let word: string | undefined;
    for (let i = 0; i < line.length; i += 1) {
        const char = line[i]!;
        if (char === "'" || char === '"') {
            const end = line.indexOf(char, i + 1);
            if (end < 0) throw new Error(`unclosed quote in: ${line}`);
            const quoted = line.slice(i + 1, end);
            word = (word ?? '') + (char === '"' ? quoted.replace(/\\(["\\])/g, '$1') : quoted);
            i = end;
        } else if (/\s/.test(char)) {
            if (word !== undefined) words.push(word);
            word = undefined;
        } else if (char === '#' && word === undefined) {
            break;
        } else if ('|<>;&$`'.includes(char)) {
            throw new Error(`"${char}" needs a shell: ${line}`);
        } else word = (word ?? '') + char;
    }
    if (word !== undefined) words.push(word);
    return words;
}

const commands = DOCS.flatMap((file) =>
    bashLines(read(file))
        .filter((line) => line.startsWith('bc-signout '))
        .map((line) => [file, line] as const),
);

/** The files the examples name, as an admin would have them: Microsoft 365 admin center exports of test users. */
const { hank, erin, dan, alice } = FIXTURE.users;
const exported = (user: { id: string; userPrincipalName: string }, displayName: string) => ({
    displayName,
    userPrincipalName: user.userPrincipalName,
    objectId: user.id,
});
const FILES = {
    'leavers.csv': m365UserExport([exported(hank, 'Heavy, Hank'), exported(erin, 'Erin Example')]),
    'users.csv': m365UserExport([exported(dan, "O'Neil, Dan"), exported(alice, 'Adams, Alice')]),
};

/** Started as a developer starts it; the process group is ours to end. */
let simulator: ChildProcess;
let simulatorStdout = '';
let localSettings: LocalSettingsFile;
let env: Record<string, string>;

beforeAll(async () => {
    simulator = spawn('npm', ['run', '--silent', 'simulator'], {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    simulator.stdout!.on('data', (chunk: Buffer) => (simulatorStdout += chunk.toString('utf8')));
    let stderr = '';
    simulator.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    localSettings = await new Promise<LocalSettingsFile>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm run simulator printed no settings:\n${stderr}`)), 30_000);
        const poll = setInterval(() => {
            try {
                const parsed = JSON.parse(simulatorStdout) as LocalSettingsFile;
                clearInterval(poll);
                clearTimeout(timer);
                resolve(parsed);
            } catch {
                // Not complete yet.
            }
        }, 50);
    });
    const connectionString = process.env.AZURITE_CONNECTION_STRING;
    if (!connectionString) throw new Error('AZURITE_CONNECTION_STRING is not set: run through jest');
    const suffix = randomBytes(4).toString('hex');
    env = {
        ...localSettings.Values,
        // The file names development storage on its default ports; tests share one Azurite on free ports.
        AzureWebJobsStorage: connectionString,
        AUDIT_TABLE_PREFIX: `docs${suffix}`,
        SIGNOUT_QUEUE_NAME: `docs-${suffix}`,
    };
}, 60_000);

afterAll(async () => {
    if (simulator.pid === undefined || simulator.exitCode !== null) return;
    const exited = new Promise((resolve) => simulator.once('exit', resolve));
    process.kill(-simulator.pid, 'SIGTERM');
    await exited;
});

describe('npm run simulator', () => {
    it('prints a complete local.settings.json on standard output, and nothing else', () => {
        expect(JSON.parse(simulatorStdout)).toEqual(localSettings);
        expect(localSettings.IsEncrypted).toBe(false);
        const values = localSettings.Values;
        for (const value of Object.values(values)) expect(typeof value).toBe('string');
        expect(SETTINGS.map((setting) => setting.name).filter((name) => !(name in values))).toEqual([]);
        expect(values).toMatchObject({
            FUNCTIONS_WORKER_RUNTIME: 'node',
            AzureWebJobsStorage: 'UseDevelopmentStorage=true',
            AZURE_TENANT_ID: FIXTURE.tenantId,
            AUTH_MODE: 'client-secret',
            ...FIXTURE_PROTECTION,
        });
        expect(values.GRAPH_ENDPOINT).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/graph$/);
    });

    it('is a configuration the app accepts as it is', () => {
        const config = readConfig(localSettings.Values);
        expect(config.allowedTenantIds).toEqual([FIXTURE.tenantId]);
        expect(config.protectedUsers).toEqual([{ value: FIXTURE.users.breakglass.userPrincipalName }]);
    });
});

describe('the documentation names commands that exist', () => {
    const docs = [...DOCS, 'infra/README.md', 'docs/operations.md'];
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);

    it.each(docs)('every npm run script %s names is in package.json', (file) => {
        const named = [...read(file).matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((match) => match[1]!);
        expect(named.filter((name) => !scripts.includes(name))).toEqual([]);
    });

    it('starts Azurite with npm run azurite, not with flags the locked SDKs refuse', () => {
        const readme = read('README.md');
        expect(readme).toContain('npm run azurite');
        expect(readme).not.toMatch(/npx azurite/);
    });

    it('finds the bc-signout examples', () => {
        expect(commands.filter(([file]) => file === 'README.md').length).toBeGreaterThanOrEqual(3);
        expect(commands.filter(([file]) => file === 'docs/cli.md').length).toBeGreaterThanOrEqual(8);
    });
});

describe('the bc-signout examples of README.md and docs/cli.md, run as written', () => {
    it.each(commands)('%s: %s', async (_file, line) => {
        const [name, ...argv] = shellWords(line);
        expect(name).toBe('bc-signout');
        const io = memoryIo({ env, files: FILES });
        const code = await main(argv, io);
        // 0 done, 2 partial: the example ran. 4 (bad input, unknown id) or 3 (nothing done) means it drifted.
        if (code !== 0 && code !== 2)
            throw new Error(`"${line}" exited with ${code}:\n${io.err()}\n${io.out()}`.slice(0, 4000));
    });
});
