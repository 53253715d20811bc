import { spawn } from 'node:child_process';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { createServiceDependencies } from '../../src/composition/serviceDependencies';
import { readConfig } from '../../src/config';
import type { RequestSummary, VerifyReport } from '../../src/core/ports/auditStore';
import type { SignOutResult } from '../../src/core/result';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { memoryIo } from '../unit/cli/memoryIo';

const ROOT = path.join(__dirname, '..', '..');
const { alice, breakglass, dan, hank } = FIXTURE.users;
let harness: AppHarness;

beforeAll(async () => {
    harness = await startAppHarness();
});
afterAll(async () => harness.close());

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

/** The CLI in this process, configured only through the harness settings it is handed as its environment. */
async function cli(
    argv: string[],
    options: { stdin?: string; files?: Record<string, string>; env?: Record<string, string> } = {},
): Promise<Run> {
    const { env, ...rest } = options;
    const io = memoryIo({ env: { ...harness.settings, ...env }, ...rest });
    const code = await main(argv, io);
    return { code, stdout: io.out(), stderr: io.err() };
}

/** The CLI as an admin runs it: a child process through tsx, trusting the simulator's test CA. */
function cliProcess(argv: string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'src/cli/main.ts', ...argv], {
            cwd: ROOT,
            env: {
                ...process.env,
                ...harness.settings,
                NODE_EXTRA_CA_CERTS: path.join(ROOT, 'test', 'simulator', 'certs', 'ca.pem'),
            },
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

const sessionsOf = (bcUserName: string) =>
    harness.simulator.state.environments.flatMap((env) =>
        env.sessions
            .filter((session) => session.userId === bcUserName)
            .map((session) => `${env.name}/${session.sessionId}`),
    );
const entraUser = (id: string) => ({ ...harness.simulator.state.users.get(id) });
const system = (result: SignOutResult, name: string) => result.users[0]?.systems.find((s) => s.system === name);

describe('bc-signout against the simulator and Azurite', () => {
    it('previews without changing anything or claiming the request', async () => {
        const before = { sessions: sessionsOf(alice.bcUserName), user: entraUser(alice.id) };
        const run = await cli(['preview', '-', '--reason', 'What would happen?', '--request-id', 'cli-preview-1'], {
            stdin: 'upn\nalice@contoso.com\n',
        });
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(/Request cli-preview-1: preview, completed; 1 user: 1 processed/);
        expect(run.stdout).toMatch(/bc\.PRODUCTION\.sessions\s+would-do/);
        expect(sessionsOf(alice.bcUserName)).toEqual(before.sessions);
        expect(entraUser(alice.id)).toEqual(before.user);
        expect((await cli(['status', 'cli-preview-1'])).code).toBe(4);
    });

    it('signs alice out synchronously and prints the result as JSON only', async () => {
        expect(sessionsOf(alice.bcUserName)).toHaveLength(6);
        const run = await cli([
            'signout',
            '--user',
            alice.userPrincipalName,
            '--reason',
            'Stolen laptop',
            '--ticket',
            'servicenow:INC0001',
            '--request-id',
            'cli-alice-1',
            '--json',
        ]);
        expect(run.code).toBe(0);
        const result = JSON.parse(run.stdout) as SignOutResult;
        expect(result).toMatchObject({ requestId: 'cli-alice-1', status: 'completed', dryRun: false });
        expect(system(result, 'entra.revoke')?.status).toBe('succeeded');
        expect(system(result, 'bc.PRODUCTION.sessions')).toMatchObject({
            status: 'succeeded',
            counts: { cancelled: 2 },
        });
        expect(sessionsOf(alice.bcUserName)).toEqual([]);
        expect(entraUser(alice.id).signInSessionsValidFromDateTime).toBeTruthy();
        // Progress went to standard error as plain lines (not a terminal).
        expect(run.stderr).toContain('Signing out 1 user; request cli-alice-1');
        expect(run.stderr).toMatch(/\] Entra ID done/);
        expect(run.stderr).toMatch(/\] finished: completed/);
    });

    it('answers the same request id again from the audit, without acting twice', async () => {
        const revokes = harness.simulator.calls.filter((call) => call.path.endsWith('revokeSignInSessions')).length;
        const again = ['signout', '-u', alice.userPrincipalName.toUpperCase(), '-r', 'Stolen laptop'];
        const run = await cli([...again, '--ticket', 'servicenow:INC0001', '--request-id', 'cli-alice-1']);
        expect(run.code).toBe(0);
        expect(run.stderr).toMatch(/already known \(completed, from cli\)/);
        expect(run.stdout).toMatch(/alice@contoso\.com: processed/);
        expect(harness.simulator.calls.filter((call) => call.path.endsWith('revokeSignInSessions'))).toHaveLength(
            revokes,
        );
    });

    it('refuses another request under a known id with 2 and says so, doing nothing', async () => {
        const calls = harness.simulator.calls.length;
        const run = await cli([
            'signout',
            '-u',
            hank.userPrincipalName,
            '-r',
            'Stolen laptop',
            '--request-id',
            'cli-alice-1',
        ]);
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/request id cli-alice-1 is already used by a different request/i);
        const json = await cli([
            'signout',
            '-u',
            alice.userPrincipalName,
            '-r',
            'again',
            '--request-id',
            'cli-alice-1',
            '--json',
        ]);
        expect(json.code).toBe(2);
        expect(JSON.parse(json.stdout)).toMatchObject({
            error: { code: 'request-id-conflict' },
            requestId: 'cli-alice-1',
        });
        const changes = harness.simulator.calls
            .slice(calls)
            // Reads are allowed (building the protected set); a `$batch` counts by its items, logged one by one.
            .filter((call) => call.service !== 'identity' && call.method !== 'GET' && call.path !== '/v1.0/$batch');
        expect(changes).toEqual([]);
    });

    it('shows the status, the history and the verified audit trail of that request', async () => {
        const status = await cli(['status', 'cli-alice-1', '--events']);
        expect(status.code).toBe(0);
        expect(status.stdout).toMatch(/State {5}completed/);
        expect(status.stdout).toMatch(/Source {4}cli, caller cli \S+@\S+/);
        expect(status.stdout).toMatch(/Ticket {4}servicenow INC0001/);
        expect(status.stdout).toMatch(/request-accepted/);
        expect(status.stdout).toMatch(/request-finished completed/);
        const record = JSON.parse((await cli(['status', 'cli-alice-1', '--json'])).stdout) as {
            status: string;
            source: string;
            caller: { kind: string };
        };
        expect(record).toMatchObject({ status: 'completed', source: 'cli', caller: { kind: 'cli' } });

        for (const user of [alice.userPrincipalName, alice.id]) {
            const history = await cli(['history', '--user', user, '--json']);
            expect(history.code).toBe(0);
            const page = JSON.parse(history.stdout) as { items: RequestSummary[] };
            expect(page.items.map((item) => item.requestId)).toContain('cli-alice-1');
        }
        const recent = await cli(['history', '--page-size', '10']);
        expect(recent.stdout).toMatch(/completed\s+1 {2}cli\s+cli-alice-1\s+INC0001: Stolen laptop/);

        const verified = await cli(['verify-audit', 'cli-alice-1']);
        expect(verified.code).toBe(0);
        expect(verified.stdout).toMatch(/Audit trail intact: \d+ event\(s\) in 1 request\(s\)/);
        expect(verified.stdout).toContain('not keyed (SHA-256 only');
        const from = new Date(Date.now() - 3_600_000).toISOString();
        const to = new Date(Date.now() + 60_000).toISOString();
        const range = await cli(['verify-audit', '--from', from, '--to', to, '--json']);
        expect(range.code).toBe(0);
        expect(JSON.parse(range.stdout) as VerifyReport).toMatchObject({ ok: true });
        expect((JSON.parse(range.stdout) as VerifyReport).requestsChecked).toBeGreaterThanOrEqual(1);

        const exported = await cli(['export-audit', '--from', from, '--to', to]);
        expect(exported.code).toBe(0);
        const lines = exported.stdout
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line) as { requestId: string; events: { type: string }[] });
        const exportedAlice = lines.find((line) => line.requestId === 'cli-alice-1');
        expect(exportedAlice?.events.map((event) => event.type)).toContain('request-finished');
        expect((await cli(['export-audit', '--from', to, '--to', from])).code).toBe(4);
    });

    it('never touches a protected account', async () => {
        const before = { sessions: sessionsOf(breakglass.bcUserName), user: entraUser(breakglass.id) };
        const callsBefore = harness.simulator.calls.length;
        const run = await cli([
            'signout',
            '--user',
            breakglass.userPrincipalName,
            '--reason',
            'Try the break-glass',
            '--block',
            'permanent',
        ]);
        expect(run.code).toBe(3);
        expect(run.stdout).toMatch(/breakglass@contoso\.onmicrosoft\.com: protected/);
        expect(run.stdout).toMatch(/entra\.revoke\s+protected/);
        expect(sessionsOf(breakglass.bcUserName)).toEqual(before.sessions);
        expect(sessionsOf(breakglass.bcUserName).length).toBeGreaterThan(0);
        expect(entraUser(breakglass.id)).toEqual(before.user);
        const writes = harness.simulator.calls
            .slice(callsBefore)
            .filter(
                (call) =>
                    call.method === 'DELETE' || call.method === 'PATCH' || call.path.endsWith('revokeSignInSessions'),
            );
        expect(writes).toEqual([]);
    });

    it('refuses bad input with 4, naming the field, and claims nothing', async () => {
        const run = await cli(
            [
                'signout',
                '--users-file',
                'leavers.csv',
                '--reason',
                'Leavers',
                '--watch-minutes',
                '5000',
                '--request-id',
                'cli-bad-1',
            ],
            {
                files: { 'leavers.csv': 'upn\ndan@contoso.com\nnot-an-email\n' },
            },
        );
        expect(run.code).toBe(4);
        expect(run.stderr).toContain('users[1] "not-an-email"');
        expect(run.stderr).toContain('watchMinutes (--watch-minutes)');
        expect((await cli(['status', 'cli-bad-1'])).code).toBe(4);
    });

    it('stops on transient failures leaving the request resumable, and resume finishes it', async () => {
        const fault = harness.simulator.faults.add({
            service: 'bc-admin',
            path: /environments\/SANDBOX\/sessions$/,
            kind: 'status',
            status: 503,
            retryAfterSeconds: 0,
        });
        const stopped = await cli(
            [
                'signout',
                '--users-file',
                'dan.csv',
                '--env',
                'PRODUCTION,SANDBOX',
                '-r',
                'Compromised',
                '--request-id',
                'cli-dan-1',
            ],
            { files: { 'dan.csv': `${dan.userPrincipalName}\n` } },
        );
        expect(stopped.code).toBe(3);
        // Nothing retries a CLI run on its own: the message says what to do, never that it is retrying.
        expect(stopped.stderr).not.toMatch(/retrying|will deliver/i);
        expect(stopped.stderr).toContain('nothing retries it on its own');
        expect(stopped.stderr).toContain('bc-signout resume cli-dan-1');
        expect((await cli(['status', 'cli-dan-1'])).code).toBe(5);
        const { audit } = await createServiceDependencies(readConfig(harness.settings));
        const incomplete = (await audit.listEvents('cli-dan-1')).filter((e) => e.type === 'attempt-incomplete');
        expect(incomplete.map((e) => e.detail)).toEqual([expect.not.stringMatching(/host will deliver/)]);

        harness.simulator.faults.remove(fault);
        const resumed = await cli(['resume', 'cli-dan-1', '--json']);
        expect(resumed.code).toBe(0);
        const result = JSON.parse(resumed.stdout) as SignOutResult;
        expect(result.status).toBe('completed');
        expect(system(result, 'bc.SANDBOX.sessions')?.status).toBe('succeeded');
        expect(sessionsOf(dan.bcUserName)).toEqual([]);
        expect((await cli(['verify-audit', 'cli-dan-1'])).code).toBe(0);
    });

    it('fails with 3 on a wrong secret, saying what to check and never printing it', async () => {
        const wrong = 'sim~wrong~secret~1234';
        const run = await cli(['signout', '-u', FIXTURE.users.erin.userPrincipalName, '-r', 'Wrong secret'], {
            env: { AZURE_CLIENT_SECRET: wrong },
        });
        // The protected set cannot be built without a token, so nothing is claimed or run.
        expect(run.code).toBe(3);
        expect(run.stderr).toMatch(/AADSTS\d+/);
        expect(run.stderr).toContain('Check AZURE_CLIENT_ID and AZURE_CLIENT_SECRET');
        expect(`${run.stdout}${run.stderr}`).not.toContain(wrong);
    });

    it('runs the sweep once, cancelling a reconnect', async () => {
        harness.simulator.materialiseReconnects();
        expect(sessionsOf(alice.bcUserName).length).toBeGreaterThan(0);
        const run = await cli(['sweep', '--json']);
        expect(run.code).toBe(0);
        expect((JSON.parse(run.stdout) as { reconnectsCancelled: number }).reconnectsCancelled).toBeGreaterThan(0);
        expect(sessionsOf(alice.bcUserName)).toEqual([]);
    });

    it('acts in the tenant --tenant names, when ALLOWED_TENANT_IDS lists it', async () => {
        const other = '0c4e6a8b-1d3f-4a5c-9e7b-2f4d6a8c0e1b';
        const env = { ALLOWED_TENANT_IDS: `${harness.simulator.tenantId},${other}`, TENANT_CALLERS: `${other}=*` };
        const before = { sessions: sessionsOf(dan.bcUserName), user: entraUser(dan.id) };
        const run = await cli(
            ['signout', '-u', dan.userPrincipalName, '-r', 'Partner tenant', '--tenant', other, '--json'],
            { env },
        );
        // The simulator serves one tenant: the other one's endpoints answer "tenant not found", so that tenant's
        // protected accounts cannot be known and nothing is claimed or run, in either tenant.
        expect(run.code).toBe(3);
        expect(harness.simulator.callsTo('identity', undefined, `/${other}/`).length).toBeGreaterThan(0);
        expect(harness.simulator.callsTo('graph').filter((c) => c.resource === undefined)).toEqual([]);
        expect(`${run.stdout}${run.stderr}`).toMatch(/authentication-failed/);
        expect({ sessions: sessionsOf(dan.bcUserName), user: entraUser(dan.id) }).toEqual(before);

        const refused = await cli(['signout', '-u', dan.userPrincipalName, '-r', 'x', '--tenant', other]);
        expect(refused.code).toBe(4);
        expect(refused.stderr).toContain('tenantId (--tenant): is not a tenant this deployment serves');
    });

    it('works as a real process, exit code and JSON included', async () => {
        expect(sessionsOf(hank.bcUserName).length).toBeGreaterThan(0);
        const run = await cliProcess(['signout', '-u', hank.userPrincipalName, '-r', 'Left the company', '--json']);
        expect(run.code).toBe(0);
        const result = JSON.parse(run.stdout) as SignOutResult;
        expect(result.status).toBe('completed');
        expect(sessionsOf(hank.bcUserName)).toEqual([]);
        const invalid = await cliProcess(['signout', '-u', hank.userPrincipalName]);
        expect(invalid.code).toBe(4);
        expect(invalid.stderr).toContain('--reason: is required');
    });
});
