import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * scripts/grant-permissions.sh against a fake `az` (fixtures/fake-az.js) that plays Microsoft Graph from a JSON
 * file: proves what is granted, that nothing is granted twice, and that blocking rights need --with-block.
 */
const script = path.join(__dirname, '../../../scripts/grant-permissions.sh');
const fakeAz = path.join(__dirname, 'fixtures/fake-az.js');

const IDENTITY = '11111111-1111-4111-8111-111111111111';
const GRAPH_SP = '22222222-2222-4222-8222-222222222222';
const BC_SP = '33333333-3333-4333-8333-333333333333';
const graphRoles = {
    'User.RevokeSessions.All': 'aaaaaaaa-0000-4000-8000-000000000001',
    'User.Read.All': 'aaaaaaaa-0000-4000-8000-000000000002',
    'GroupMember.Read.All': 'aaaaaaaa-0000-4000-8000-000000000003',
    'User.EnableDisableAccount.All': 'aaaaaaaa-0000-4000-8000-000000000004',
    'Mail.Send': 'aaaaaaaa-0000-4000-8000-000000000005',
    'RoleManagement.Read.Directory': 'aaaaaaaa-0000-4000-8000-000000000006',
    'AuditLog.Read.All': 'aaaaaaaa-0000-4000-8000-000000000007',
};
const bcRoles = {
    'AdminCenter.ReadWrite.All': 'bbbbbbbb-0000-4000-8000-000000000001',
    'Automation.ReadWrite.All': 'bbbbbbbb-0000-4000-8000-000000000002',
    'API.ReadWrite.All': 'bbbbbbbb-0000-4000-8000-000000000003',
};

interface Assignment {
    principalId: string;
    resourceId: string;
    appRoleId: string;
}

interface Tenant {
    servicePrincipals: Array<{
        id: string;
        appId: string;
        displayName: string;
        appRoles: Array<{ value: string; id: string }>;
    }>;
    assignments: Assignment[];
}

const roleList = (roles: Record<string, string>) => Object.entries(roles).map(([value, id]) => ({ value, id }));

function tenant(options: { withBusinessCentral?: boolean } = {}): Tenant {
    return {
        servicePrincipals: [
            { id: IDENTITY, appId: '44444444-4444-4444-8444-444444444444', displayName: 'id-test', appRoles: [] },
            {
                id: GRAPH_SP,
                appId: '00000003-0000-0000-c000-000000000000',
                displayName: 'Microsoft Graph',
                appRoles: roleList(graphRoles),
            },
            ...(options.withBusinessCentral === false
                ? []
                : [
                      {
                          id: BC_SP,
                          appId: '996def3d-b36c-4153-8607-a6fd3c01b89f',
                          displayName: 'Dynamics 365 Business Central',
                          appRoles: roleList(bcRoles),
                      },
                  ]),
        ],
        // User.Read.All was granted before.
        assignments: [{ principalId: IDENTITY, resourceId: GRAPH_SP, appRoleId: graphRoles['User.Read.All'] }],
    };
}

let workDir: string;
let statePath: string;
let logPath: string;

beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grant-permissions-'));
    const binDir = path.join(workDir, 'bin');
    fs.mkdirSync(binDir);
    fs.writeFileSync(path.join(binDir, 'az'), `#!/bin/sh\nexec "${process.execPath}" "${fakeAz}" "$@"\n`, {
        mode: 0o755,
    });
    statePath = path.join(workDir, 'tenant.json');
    logPath = path.join(workDir, 'az-calls.log');
    fs.writeFileSync(statePath, JSON.stringify(tenant()));
});

afterEach(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
});

function run(...args: string[]) {
    const result = spawnSync('bash', [script, ...args], {
        encoding: 'utf8',
        env: {
            ...process.env,
            PATH: `${path.join(workDir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
            FAKE_AZ_STATE: statePath,
            FAKE_AZ_LOG: logPath,
        },
    });
    const calls = fs.existsSync(logPath)
        ? fs
              .readFileSync(logPath, 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((line) => JSON.parse(line) as string[])
        : [];
    fs.rmSync(logPath, { force: true });
    const posts = calls
        .filter((call) => call[call.indexOf('--method') + 1] === 'POST')
        .map((call) => JSON.parse(call[call.indexOf('--body') + 1] ?? '') as Assignment);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, posts };
}

const grantedRoleIds = () =>
    (JSON.parse(fs.readFileSync(statePath, 'utf8')) as Tenant).assignments.map((a) => a.appRoleId);

describe('scripts/grant-permissions.sh', () => {
    it('--help explains the flags and calls nothing', () => {
        const result = run('--help');
        expect(result.status).toBe(0);
        expect(result.stdout).toContain('Usage: grant-permissions.sh <service-principal-object-id>');
        expect(result.stdout).toContain('--with-block');
        expect(result.stdout).toContain('--with-bc-users');
        expect(result.stdout).toContain('--dry-run');
        expect(result.calls).toEqual([]);
    });

    it('refuses to run without a valid object id', () => {
        const missing = run('--dry-run');
        expect(missing.status).not.toBe(0);
        expect(missing.stderr).toContain('object id of the managed identity is required');
        const invalid = run('not-a-guid');
        expect(invalid.status).not.toBe(0);
        expect(invalid.stderr).toContain('is not an object id');
        expect([...missing.calls, ...invalid.calls]).toEqual([]);
    });

    it('--dry-run reports what it would grant, skips what is granted and changes nothing', () => {
        const result = run(IDENTITY, '--dry-run');
        expect(result.status).toBe(0);
        expect(result.stdout).toContain('User.Read.All (Microsoft Graph): already granted');
        expect(result.stdout).toContain('User.RevokeSessions.All (Microsoft Graph): would grant (dry run)');
        expect(result.stdout).toContain('GroupMember.Read.All (Microsoft Graph): would grant (dry run)');
        expect(result.stdout).toContain('RoleManagement.Read.Directory (Microsoft Graph): would grant (dry run)');
        expect(result.stdout).toContain(
            'AdminCenter.ReadWrite.All (Dynamics 365 Business Central): would grant (dry run)',
        );
        expect(result.stdout).not.toContain('User.EnableDisableAccount.All');
        expect(result.stdout).not.toContain('AuditLog.Read.All');
        expect(result.stdout).not.toContain('Automation.ReadWrite.All');
        expect(result.posts).toEqual([]);
        expect(grantedRoleIds()).toEqual([graphRoles['User.Read.All']]);
    });

    it('asks for User.EnableDisableAccount.All only with --with-block', () => {
        expect(run(IDENTITY, '--dry-run', '--with-block').stdout).toContain(
            'User.EnableDisableAccount.All (Microsoft Graph): would grant (dry run)',
        );
        const withoutFlag = run(IDENTITY);
        expect(withoutFlag.posts.map((post) => post.appRoleId)).not.toContain(
            graphRoles['User.EnableDisableAccount.All'],
        );
    });

    it('grants exactly the missing least-privilege roles, each once', () => {
        const first = run(IDENTITY);
        expect(first.status).toBe(0);
        expect(first.posts).toEqual([
            { principalId: IDENTITY, resourceId: GRAPH_SP, appRoleId: graphRoles['User.RevokeSessions.All'] },
            { principalId: IDENTITY, resourceId: GRAPH_SP, appRoleId: graphRoles['GroupMember.Read.All'] },
            { principalId: IDENTITY, resourceId: GRAPH_SP, appRoleId: graphRoles['RoleManagement.Read.Directory'] },
            { principalId: IDENTITY, resourceId: BC_SP, appRoleId: bcRoles['AdminCenter.ReadWrite.All'] },
        ]);
        expect(first.stdout).toContain('User.RevokeSessions.All (Microsoft Graph): granted');
        expect(first.stdout).toContain('User.Read.All (Microsoft Graph): already granted');

        const second = run(IDENTITY);
        expect(second.status).toBe(0);
        expect(second.posts).toEqual([]);
        expect(second.stdout).not.toMatch(/: granted$/m);
        expect(second.stdout.match(/already granted/g)).toHaveLength(5);
    });

    it('adds the blocking, audit log and BC user rights with their flags', () => {
        const result = run(IDENTITY, '--with-block', '--with-bc-users', '--with-audit-log');
        expect(result.status).toBe(0);
        expect(result.posts.map((post) => post.appRoleId)).toEqual([
            graphRoles['User.RevokeSessions.All'],
            graphRoles['GroupMember.Read.All'],
            graphRoles['RoleManagement.Read.Directory'],
            graphRoles['User.EnableDisableAccount.All'],
            graphRoles['AuditLog.Read.All'],
            bcRoles['AdminCenter.ReadWrite.All'],
            bcRoles['Automation.ReadWrite.All'],
        ]);
        expect(result.stdout).toContain('Automation.ReadWrite.All (Dynamics 365 Business Central): granted');
    });

    it('points out a blocking right held from an earlier run without removing it', () => {
        run(IDENTITY, '--with-block');
        const result = run(IDENTITY);
        expect(result.posts).toEqual([]);
        expect(result.stdout).toContain(
            'User.EnableDisableAccount.All (Microsoft Graph): granted earlier but not requested now; remove it if no longer needed',
        );
        expect(result.calls.some((call) => call.includes('DELETE'))).toBe(false);
    });

    it('tells how to create the Business Central service principal when the tenant has none', () => {
        fs.writeFileSync(statePath, JSON.stringify(tenant({ withBusinessCentral: false })));
        const result = run(IDENTITY, '--dry-run');
        expect(result.status).not.toBe(0);
        expect(result.stderr).toContain('az ad sp create --id 996def3d-b36c-4153-8607-a6fd3c01b89f');
    });

    it('explains an unknown identity', () => {
        const result = run('55555555-5555-4555-8555-555555555555', '--dry-run');
        expect(result.status).not.toBe(0);
        expect(result.stderr).toContain('not found (pass the identity');
    });
});
