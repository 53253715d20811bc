import { main } from '../../src/cli/main';
import type { DoctorCheck, DoctorReport } from '../../src/core/doctor/runDoctor';
import { doctor } from '../../src/functions/doctor';
import { FIXTURE, servicePrincipalIdOf } from '../simulator';
import { DEFAULT_GRAPH_PERMISSIONS } from '../simulator/state';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { httpRequest, invocationContext, plain } from '../support/hostEmulation';
import { memoryIo } from '../unit/cli/memoryIo';

/**
 * The doctor against the simulator, which issues JWT-shaped app tokens whose `roles` are the permissions granted
 * when the token is issued. Each case breaks one prerequisite in the simulator (or the settings) and puts it back.
 */
let harness: AppHarness;

beforeAll(async () => {
    harness = await startAppHarness({ simulator: { accessTokenFormat: 'jwt' } });
});
afterAll(async () => harness.close());

/** The state every case starts from: everything granted and authorised, UAT included. */
beforeEach(() => {
    const state = harness.simulator.state;
    for (const permission of DEFAULT_GRAPH_PERMISSIONS) state.graphPermissions.add(permission);
    state.environment('UAT').automationAuthorized = true;
    state.adminCenterAuthorized = true;
});

async function runDoctor(env: Record<string, string> = {}) {
    const io = memoryIo({ env: { ...harness.settings, ...env } });
    const code = await main(['doctor', '--json'], io);
    return { code, report: JSON.parse(io.out()) as DoctorReport };
}

/** The report as an admin reads it. */
async function doctorText(): Promise<string> {
    const io = memoryIo({ env: harness.settings });
    await main(['doctor'], io);
    return io.out();
}

const checkTitled = (report: DoctorReport, title: string): DoctorCheck => {
    const check = report.checks.find((candidate) => candidate.title === title);
    if (!check) throw new Error(`no check "${title}" in ${report.checks.map((c) => c.title).join(', ')}`);
    return check;
};
const failing = (report: DoctorReport) => report.checks.filter((check) => check.status === 'fail').map((c) => c.title);

describe('bc-signout doctor', () => {
    it('passes every check when everything is in place, and exits 0', async () => {
        const { code, report } = await runDoctor();
        expect(failing(report)).toEqual([]);
        expect(report.checks.filter((check) => check.status === 'warn')).toEqual([]);
        expect(code).toBe(0);
        expect(report.ok).toBe(true);
        const titles = report.checks.map((check) => check.title);
        expect(titles).toEqual(
            expect.arrayContaining([
                'Microsoft Graph permission User.RevokeSessions.All',
                'Business Central permission AdminCenter.ReadWrite.All',
                'Business Central admin center lists environments',
                'PRODUCTION: the Automation API answers',
                'UAT: the Automation API answers',
                'Protected accounts resolve',
                'Audit tables reachable',
                'Request queue reachable',
                'Clock',
            ]),
        );
        expect(checkTitled(report, 'OLD-SANDBOX: the Automation API answers')).toMatchObject({ status: 'skip' });
        // The CLI's own heap says nothing about the app's.
        expect(titles).not.toContain("The worker's heap ceiling");
        const text = await doctorText();
        expect(text).toContain('  ✓ UAT: the Automation API answers: ');
        expect(text).toContain('  – OLD-SANDBOX: the Automation API answers: SoftDeleted');
        expect(text.trim().split('\n').at(-1)).toBe('Every needed prerequisite passes.');
    });

    it('fails a needed Graph permission the token lacks, with the command that grants it', async () => {
        harness.simulator.state.graphPermissions.delete('User.RevokeSessions.All');
        const { code, report } = await runDoctor();
        expect(code).toBe(2);
        expect(failing(report)).toEqual(['Microsoft Graph permission User.RevokeSessions.All']);
        const check = checkTitled(report, 'Microsoft Graph permission User.RevokeSessions.All');
        expect(check.fix).toBe(
            `grant it (docs/permissions.md): ./scripts/grant-permissions.sh ${servicePrincipalIdOf(FIXTURE.clientId)}`,
        );
        expect(await doctorText()).toContain('  ✗ Microsoft Graph permission User.RevokeSessions.All: not granted: ');
    });

    it('warns, and still exits 0, when only an optional permission is missing', async () => {
        harness.simulator.state.graphPermissions.delete('User.EnableDisableAccount.All');
        const { code, report } = await runDoctor();
        expect(code).toBe(0);
        expect(
            checkTitled(report, 'Microsoft Graph permission User.EnableDisableAccount.All (optional)'),
        ).toMatchObject({
            status: 'warn',
            fix: expect.stringMatching(/grant-permissions\.sh \S+ --with-block$/),
        });
    });

    it('fails an environment whose Automation API refuses the app, naming the page to add it on', async () => {
        harness.simulator.state.environment('UAT').automationAuthorized = false;
        const { code, report } = await runDoctor();
        expect(code).toBe(2);
        expect(failing(report)).toEqual(['UAT: the Automation API answers']);
        expect(checkTitled(report, 'UAT: the Automation API answers')).toMatchObject({
            detail: 'refused (bc-automation 401 Authentication_InvalidCredentials)',
            fix: expect.stringContaining(
                `add the app (client id ${FIXTURE.clientId}) on the environment's Microsoft Entra Applications page`,
            ),
        });
    });

    it('fails when the admin center has not authorised the app', async () => {
        harness.simulator.state.adminCenterAuthorized = false;
        const { code, report } = await runDoctor();
        expect(code).toBe(2);
        expect(failing(report)).toEqual(['Business Central admin center lists environments']);
        expect(checkTitled(report, 'Business Central admin center lists environments').fix).toContain(
            "on the admin center's Authorized Microsoft Entra apps page",
        );
    });

    it('fails a protected entry that does not resolve, naming the entry and its setting', async () => {
        const { code, report } = await runDoctor({ PROTECTED_USERS: 'breakglass@contoso.onmicrosft.com' });
        expect(code).toBe(2);
        expect(failing(report)).toEqual(['Protected accounts resolve']);
        const check = checkTitled(report, 'Protected accounts resolve');
        expect(check.detail).toContain('breakglass@contoso.onmicrosft.com');
        expect(check.fix).toMatch(/^correct or remove the entry in PROTECTED_USERS/);
    });

    it('fails storage that cannot be reached, and still checks everything else', async () => {
        const unreachable =
            'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;';
        const { code, report } = await runDoctor({ AzureWebJobsStorage: unreachable });
        expect(code).toBe(2);
        expect(failing(report).sort()).toEqual(['Audit tables reachable', 'Request queue reachable']);
        expect(checkTitled(report, 'Audit tables reachable').detail).toMatch(/^unreachable \(.*ECONNREFUSED\)$/);
    }, 120_000);
});

describe('GET /api/doctor', () => {
    const call = async () =>
        plain(await doctor(httpRequest('GET', 'https://bc-signout.example/api/doctor'), invocationContext('doctor')));

    it('answers 200 with the report when every needed prerequisite passes, 503 naming what fails otherwise', async () => {
        const healthy = await call();
        expect(healthy.status).toBe(200);
        expect(healthy.body).toMatchObject({ ok: true });

        // Only the worker reports its heap; a ceiling that did not reach it is worth a look, never a failure.
        const nodeOptions = process.env.NODE_OPTIONS;
        process.env.NODE_OPTIONS = '--max-old-space-size=100';
        try {
            const asked = await call();
            expect(asked.status).toBe(200);
            expect(checkTitled(asked.body as DoctorReport, "The worker's heap ceiling")).toMatchObject({
                status: 'warn',
                detail: expect.stringContaining('asks for 100 MiB, yet V8 allows'),
            });
        } finally {
            if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
            else process.env.NODE_OPTIONS = nodeOptions;
        }

        harness.simulator.state.environment('UAT').automationAuthorized = false;
        const unhealthy = await call();
        expect(unhealthy.status).toBe(503);
        expect(failing(unhealthy.body as DoctorReport)).toEqual(['UAT: the Automation API answers']);
    });
});
