import { createServiceDependencies } from '../../src/composition/serviceDependencies';
import { readConfig } from '../../src/config';
import { parseSignOutRequest } from '../../src/core/request/signOutRequest';
import { claimRequest } from '../../src/core/service/acceptRequest';
import { processRequest } from '../../src/core/service/processRequest';
import type { ServiceDependencies } from '../../src/core/service/serviceDependencies';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';

/**
 * Privileged administrators are protected by default (PROTECTED_ROLES=privileged), whether they hold the role
 * directly or through a role-assignable group, and the guard is one set per tenant: a request makes no group or
 * role call of its own.
 */
const { ivan, gwen, breakglass } = FIXTURE.users;
let harness: AppHarness;
let deps: ServiceDependencies;

beforeAll(async () => {
    harness = await startAppHarness({ settings: { PROTECTED_GROUP_IDS: '' } });
    deps = await createServiceDependencies(readConfig(process.env));
    harness.simulator.addSession('PRODUCTION', ivan.bcUserName);
    harness.simulator.addSession('PRODUCTION', gwen.bcUserName);
});
afterAll(async () => harness.close());

async function signOut(requestId: string, users: string[]) {
    const parsed = parseSignOutRequest(
        {
            requestId,
            users,
            reason: 'roles',
            environments: ['PRODUCTION'],
            actions: { blockSignIn: { mode: 'permanent' } },
        },
        deps.settings.policy,
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    await claimRequest(parsed, { kind: 'cli', id: 'test', verified: false }, 'cli', deps, new Date());
    const outcome = await processRequest(requestId, { dequeueCount: 5, owner: 'roles-test' }, deps);
    if (outcome.kind !== 'finished') throw new Error(outcome.kind);
    return outcome.record.result!;
}

const touched = (objectId: string, upn: string) =>
    harness.simulator.calls.filter(
        (c) =>
            c.service === 'graph' &&
            c.method !== 'GET' &&
            (c.path.includes(objectId) || c.path.toLowerCase().includes(upn.toLowerCase())) &&
            !c.path.endsWith('/checkMemberGroups'),
    );

describe('privileged administrators', () => {
    it('are protected with the role named, directly or through a role-assignable group; other role holders are not', async () => {
        const result = await signOut('roles-1', [ivan.userPrincipalName, breakglass.id, gwen.userPrincipalName]);
        expect(result.users.map((u) => [u.user, u.outcome])).toEqual([
            [ivan.userPrincipalName, 'protected'],
            [breakglass.id, 'protected'],
            [gwen.userPrincipalName, 'processed'],
        ]);
        expect(result.users[0]?.detail).toMatch(/User Administrator through group Identity Admins/);
        expect(result.users[1]?.detail).toMatch(/Global Administrator|PROTECTED_USERS/);
        expect(touched(ivan.id, ivan.userPrincipalName)).toEqual([]);
        expect(touched(breakglass.id, breakglass.userPrincipalName)).toEqual([]);
        const production = harness.simulator.state.environment('PRODUCTION');
        expect(production.sessions.some((s) => s.userId === ivan.bcUserName)).toBe(true);
        expect(production.sessions.some((s) => s.userId === gwen.bcUserName)).toBe(false);
    });

    it('are guarded from the cached set: a later request makes no role, group or membership call', async () => {
        const before = harness.simulator.calls.length;
        const result = await signOut('roles-2', [ivan.id]);
        expect(result.users[0]?.outcome).toBe('protected');
        const guardCalls = harness.simulator.calls
            .slice(before)
            .filter((c) => /roleAssignments|\/groups\/|checkMemberGroups/.test(c.path));
        expect(guardCalls).toEqual([]);
    });
});
