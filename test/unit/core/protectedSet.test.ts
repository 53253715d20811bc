import { ConfigurationError, ServiceError, TransientServiceError } from '../../../src/core/errors';
import { ProtectedEntryError, GuardUnavailableError } from '../../../src/core/guard/guardErrors';
import { parseTenantEntry, entriesFor } from '../../../src/core/guard/protectedEntries';
import { guardUsers, protectionReason, type ProtectedSet } from '../../../src/core/guard/protectedSet';
import { ProtectedSetCache } from '../../../src/core/guard/protectedSetCache';
import { FakeTenant, protectedSetFor } from '../../support/fakeTenant';

const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const BC_ADMIN = '963797fb-eb3b-4cde-8ce3-5878b3f32a3f';
const ADMINS_GROUP = '99999999-0000-0000-0000-000000000001';
const ROLE_GROUP = '99999999-0000-0000-0000-000000000002';

function directory(): FakeTenant {
    const t = new FakeTenant();
    const user = (n: number, upn: string) => ({
        id: `aaaaaaaa-0000-0000-0000-00000000000${n}`,
        userPrincipalName: upn,
        mail: upn,
        userType: 'Member',
        accountEnabled: true,
        signInSessionsValidFromDateTime: null,
    });
    t.users = [
        user(1, 'alice@contoso.com'),
        user(2, 'breakglass@contoso.com'),
        user(3, 'carol@contoso.com'),
        user(4, 'ivan@contoso.com'),
        user(5, 'gwen@contoso.com'),
        user(6, 'root@contoso.com'),
    ];
    t.groupNames.set(ADMINS_GROUP, 'BC admins');
    t.groupNames.set(ROLE_GROUP, 'Identity admins');
    t.groups.set(t.users[2]!.id, [ADMINS_GROUP]);
    t.groups.set(t.users[3]!.id, [ROLE_GROUP]);
    t.roleAssignments = [
        { roleTemplateId: GLOBAL_ADMIN, principal: { kind: 'user', ...t.users[5]! } },
        {
            roleTemplateId: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
            principal: { kind: 'group', id: ROLE_GROUP, displayName: 'Identity admins' },
        },
        { roleTemplateId: BC_ADMIN, principal: { kind: 'user', ...t.users[4]! } },
    ];
    return t;
}

const reasonFor = (set: ProtectedSet, upn: string) =>
    protectionReason(set, { id: 'x', userPrincipalName: upn, mail: null });

describe('the protected set', () => {
    it('resolves listed users, group members and privileged role holders into one set, with the reason for each', async () => {
        const set = await protectedSetFor(directory(), { users: ['BreakGlass@contoso.com'], groups: [ADMINS_GROUP] });
        expect(reasonFor(set, 'breakglass@contoso.com')).toMatch(/PROTECTED_USERS entry BreakGlass@contoso.com/);
        expect(reasonFor(set, 'carol@contoso.com')).toMatch(/protected group BC admins/);
        expect(reasonFor(set, 'root@contoso.com')).toBe('holds the directory role Global Administrator');
        expect(reasonFor(set, 'ivan@contoso.com')).toBe(
            'holds the directory role User Administrator through group Identity admins',
        );
        expect(reasonFor(set, 'gwen@contoso.com')).toBeUndefined();
        expect(reasonFor(set, 'alice@contoso.com')).toBeUndefined();
    });

    it("lists the protected groups' members beside the role assignments: only groups that hold a role wait for them", async () => {
        const t = directory();
        const listRoleAssignments = t.listRoleAssignments.bind(t);
        let askedBeforeRolesAnswered: string[] = [];
        t.listRoleAssignments = async (templateIds) => {
            await new Promise((resolve) => setImmediate(resolve));
            askedBeforeRolesAnswered = [...t.calls];
            return listRoleAssignments(templateIds);
        };
        const set = await protectedSetFor(t, { groups: [ADMINS_GROUP] });
        expect(askedBeforeRolesAnswered).toContain('listGroupUsers 1');
        // The second listing is the role-holding group alone: the protected group is not listed twice.
        expect(t.calls.filter((call) => call.startsWith('listGroupUsers'))).toEqual([
            'listGroupUsers 1',
            'listGroupUsers 1',
        ]);
        expect(reasonFor(set, 'carol@contoso.com')).toMatch(/protected group BC admins/);
        expect(reasonFor(set, 'ivan@contoso.com')).toMatch(/through group Identity admins/);
    });

    it('protects every role holder with PROTECTED_ROLES=all, and none with none', async () => {
        const all = await protectedSetFor(directory(), { roles: { kind: 'all' } });
        expect(reasonFor(all, 'gwen@contoso.com')).toMatch(/directory role 963797fb/);
        const none = await protectedSetFor(directory(), { roles: { kind: 'none' } });
        expect(reasonFor(none, 'root@contoso.com')).toBeUndefined();
        const named = await protectedSetFor(directory(), {
            roles: { kind: 'listed', privileged: false, templateIds: [BC_ADMIN] },
        });
        expect(reasonFor(named, 'gwen@contoso.com')).toBeDefined();
        expect(reasonFor(named, 'root@contoso.com')).toBeUndefined();
    });

    it('fails closed on a protected entry that does not resolve, naming it', async () => {
        await expect(protectedSetFor(directory(), { users: ['breakglass@contoso.onmicrosoft.com'] })).rejects.toThrow(
            ProtectedEntryError,
        );
        await expect(protectedSetFor(directory(), { users: ['breakglass@contoso.onmicrosoft.com'] })).rejects.toThrow(
            /PROTECTED_USERS.*"breakglass@contoso.onmicrosoft.com" does not resolve to a user/,
        );
        await expect(
            protectedSetFor(directory(), { groups: ['99999999-0000-0000-0000-00000000dead'] }),
        ).rejects.toThrow(/PROTECTED_GROUP_IDS.*is not a group/);
    });

    it('fails closed when role assignments cannot be read, saying which permission to grant', async () => {
        const t = directory();
        t.failing.set('listRoleAssignments', new ServiceError('graph', 403, 'Authorization_RequestDenied', 'x'));
        await expect(protectedSetFor(t)).rejects.toThrow(/RoleManagement.Read.Directory/);
    });

    it('checks members of a group too large to list per user, and never passes a user it could not check', async () => {
        const t = directory();
        const set: ProtectedSet = {
            ...(await protectedSetFor(t)),
            largeGroups: [
                { id: ADMINS_GROUP, displayName: 'BC admins', reason: 'is a member of protected group BC admins' },
            ],
        };
        const [alice, , carol] = t.users;
        const checked = await guardUsers(set, [alice!, carol!], t);
        expect(checked.get(alice!.id)).toEqual({ kind: 'eligible' });
        expect(checked.get(carol!.id)).toEqual({
            kind: 'protected',
            reason: 'is a member of protected group BC admins',
        });
        t.failing.set('checkMemberGroups', new TransientServiceError('graph', 429, 'throttled', 'x', 1000));
        expect((await guardUsers(set, [alice!], t)).get(alice!.id)).toMatchObject({ kind: 'unknown' });
    });

    it('applies tenant-qualified entries to their tenant only, unqualified ones to the home tenant', () => {
        const home = '11111111-1111-1111-1111-111111111111';
        const other = '22222222-2222-2222-2222-222222222222';
        const entries = ['a@contoso.com', `${other}:b@fabrikam.com`].map(parseTenantEntry);
        expect(entriesFor(entries, home, home)).toEqual(['a@contoso.com']);
        expect(entriesFor(entries, other, home)).toEqual(['b@fabrikam.com']);
    });

    it('warns about a tenant with no protected entries of its own', async () => {
        const set = await protectedSetFor(directory());
        expect(set.warnings.join(' ')).toMatch(/no PROTECTED_USERS or PROTECTED_GROUP_IDS entries/);
    });
});

describe('the protected-set cache', () => {
    const set = (builtAt: number): ProtectedSet => ({
        tenantId: 't',
        builtAt,
        reasons: new Map(),
        largeGroups: [],
        warnings: [],
    });

    it('builds once, serves the set while it is fresh and refreshes it in the background after half its life', async () => {
        let now = 0;
        const builds: number[] = [];
        const cache = new ProtectedSetCache(
            async () => (builds.push(now), set(now)),
            1000,
            () => now,
        );
        await cache.get('t');
        now = 400;
        await cache.get('t');
        expect(builds).toEqual([0]);
        now = 600;
        expect((await cache.get('t')).builtAt).toBe(0);
        await Promise.resolve();
        expect(builds).toEqual([0, 600]);
    });

    it('serves the last good set at most for its lifetime when the directory is down, then makes requests wait', async () => {
        let now = 0;
        let down = false;
        const cache = new ProtectedSetCache(
            async () => {
                if (down) throw new TransientServiceError('graph', 503, 'http-503', 'x', undefined);
                return set(now);
            },
            1000,
            () => now,
        );
        await cache.get('t');
        down = true;
        now = 900;
        expect((await cache.get('t')).builtAt).toBe(0);
        now = 1000;
        await expect(cache.get('t')).rejects.toThrow(GuardUnavailableError);
    });

    it('drops the set at once when a rebuild finds a configuration error', async () => {
        let now = 0;
        let broken = false;
        const cache = new ProtectedSetCache(
            async () => {
                if (broken)
                    throw new ProtectedEntryError(
                        'PROTECTED_USERS',
                        'x@contoso.com',
                        't',
                        'does not resolve to a user',
                    );
                return set(now);
            },
            1000,
            () => now,
        );
        await cache.get('t');
        broken = true;
        await expect(cache.refresh('t')).rejects.toThrow(ConfigurationError);
        now = 10;
        await expect(cache.get('t')).rejects.toThrow(/x@contoso.com/);
    });
});
