import fs from 'node:fs';
import path from 'node:path';
import { clockCheck, MAX_CLOCK_SKEW_MS } from '../../../src/core/doctor/runDoctor';
import { permissionNeeds } from '../../../src/core/doctor/permissions';

const service = new Date('2026-11-27T10:00:00Z');
const at = (offsetInMs: number) => new Date(service.getTime() + offsetInMs);

describe('clockCheck', () => {
    it('passes a clock within half a minute of the service', () => {
        expect(clockCheck(at(-12_000), service, 'the token authority')).toMatchObject({
            status: 'pass',
            detail: 'within 12 s of the token authority',
        });
    });

    it('warns about a clock that drifted, and fails one that is minutes off', () => {
        expect(clockCheck(at(90_000), service, 'the token authority')).toMatchObject({
            status: 'warn',
            detail: '90 s ahead of the token authority',
        });
        expect(clockCheck(at(-MAX_CLOCK_SKEW_MS - 1_000), service, 'the token authority')).toMatchObject({
            status: 'fail',
            detail: '301 s behind the token authority',
            fix: expect.stringMatching(/^synchronise this machine’s clock/),
        });
    });
});

describe('permissionNeeds', () => {
    const needed = (roles: Parameters<typeof permissionNeeds>[0]) =>
        permissionNeeds(roles)
            .filter((need) => need.needed)
            .map((need) => need.permission);

    it('needs role reads only while PROTECTED_ROLES protects role holders', () => {
        expect(needed({ kind: 'listed', privileged: true, templateIds: [] })).toContain(
            'RoleManagement.Read.Directory',
        );
        expect(needed({ kind: 'none' })).not.toContain('RoleManagement.Read.Directory');
    });

    it('leaves blocking, the audit log and BC users to the admin’s choice, each with its switch', () => {
        const optional = permissionNeeds({ kind: 'all' }).filter((need) => !need.needed);
        expect(optional.map((need) => [need.permission, need.grantSwitch])).toEqual([
            ['User.EnableDisableAccount.All', '--with-block'],
            ['AuditLog.Read.All', '--with-audit-log'],
            ['Automation.ReadWrite.All', '--with-bc-users'],
        ]);
    });
});

describe('the permissions the doctor asks for', () => {
    it('are the ones scripts/grant-permissions.sh grants, behind the same switches', () => {
        const script = fs.readFileSync(path.join(__dirname, '../../../scripts/grant-permissions.sh'), 'utf8');
        const always = [...script.matchAll(/^(?:graph|bc)_roles=\(([^)]*)\)/gm)].flatMap((m) => m[1]!.split(/\s+/));
        const switched = [...script.matchAll(/with_(\w+)" == true \]\]; then\s+\w+_roles\+=\(([\w.]+)\)/g)].map((m) => [
            m[2],
            `--with-${m[1]!.replace(/_/g, '-')}`,
        ]);
        const asked = permissionNeeds({ kind: 'all' });
        expect(
            asked
                .filter((need) => !need.grantSwitch)
                .map((need) => need.permission)
                .sort(),
        ).toEqual(always.filter(Boolean).sort());
        expect(
            asked
                .filter((need) => need.grantSwitch)
                .map((need) => [need.permission, need.grantSwitch])
                .sort(),
        ).toEqual(switched.sort());
    });
});
