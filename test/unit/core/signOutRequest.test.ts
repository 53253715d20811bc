import { deriveRequestId, parseSignOutRequest, type RequestPolicy } from '../../../src/core/request/signOutRequest';
import { callbackUrlProblem } from '../../../src/core/request/callbackPolicy';

const TENANT = '11111111-1111-1111-1111-111111111111';
const policy: RequestPolicy = {
    maxUsers: 3,
    defaultTenantId: TENANT,
    allowedTenantIds: [TENANT],
    callbackHosts: ['*.logic.azure.com', 'hooks.example.com'],
};
const now = new Date('2026-11-26T10:00:00Z');
const minimal = { users: ['alice@contoso.com'], reason: 'Compromised account' };

function problemsOf(input: unknown) {
    const parsed = parseSignOutRequest(input, policy, now);
    if (parsed.ok) throw new Error('expected problems');
    return parsed.problems;
}

describe('parseSignOutRequest', () => {
    it('fills the documented defaults', () => {
        const parsed = parseSignOutRequest(minimal, policy, now);
        expect(parsed.ok && parsed.value).toMatchObject({
            schemaVersion: 1,
            tenantId: TENANT,
            environments: 'all',
            applicationFamily: 'BusinessCentral',
            actions: {
                revokeSessions: true,
                cancelBcSessions: true,
                blockSignIn: { kind: 'off' },
                disableBcUser: { kind: 'off' },
            },
            watchMinutes: 90,
            dryRun: false,
            submittedAt: now.toISOString(),
        });
    });

    it('folds duplicate users case-insensitively, keeping the first spelling', () => {
        const parsed = parseSignOutRequest(
            { ...minimal, users: ['Alice@Contoso.com', 'alice@contoso.com', 'bob@contoso.com'] },
            policy,
            now,
        );
        expect(parsed.ok && parsed.value.users).toEqual(['Alice@Contoso.com', 'bob@contoso.com']);
    });

    it('turns a relative hold into an absolute time at acceptance', () => {
        const parsed = parseSignOutRequest(
            { ...minimal, actions: { blockSignIn: { mode: 'for', minutes: 60 } } },
            policy,
            now,
        );
        expect(parsed.ok && parsed.value.actions.blockSignIn).toEqual({
            kind: 'until',
            until: '2026-11-26T11:00:00.000Z',
        });
    });

    it('names every bad field with its reason', () => {
        const problems = problemsOf({
            users: ['not a user', "o'brien+x@contoso.com"],
            reason: '',
            watchMinutes: -1,
            environments: ['../etc'],
            extra: true,
        });
        const fields = problems.map((p) => p.field);
        expect(fields).toEqual(
            expect.arrayContaining(['users[0]', 'reason', 'watchMinutes', 'environments[0]', '(body)']),
        );
        expect(fields).not.toContain('users[1]');
        expect(problems.find((p) => p.field === '(body)')?.reason).toMatch(/unknown field\(s\): extra/);
    });

    it('refuses look-alike characters, control characters and too many users', () => {
        expect(problemsOf({ ...minimal, users: ['аlice@contoso.com'] })[0]?.field).toBe('users[0]');
        expect(problemsOf({ ...minimal, reason: 'bad\u0000reason' })[0]?.field).toBe('reason');
        expect(problemsOf({ ...minimal, users: ['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com'] })[0]?.reason).toMatch(
            /at most 3/,
        );
    });

    it('refuses a hold in the past and a request that asks for nothing', () => {
        expect(
            problemsOf({ ...minimal, actions: { disableBcUser: { mode: 'until', until: '2020-01-01T00:00:00Z' } } })[0]
                ?.field,
        ).toBe('actions.disableBcUser.until');
        expect(problemsOf({ ...minimal, actions: { revokeSessions: false, cancelBcSessions: false } })[0]?.field).toBe(
            'actions',
        );
    });

    it('refuses a tenant the deployment does not serve', () => {
        expect(problemsOf({ ...minimal, tenantId: '22222222-2222-2222-2222-222222222222' })[0]?.field).toBe('tenantId');
    });

    it('derives the same request id for the same ticket, and another for other work', () => {
        const ticket = { system: 'servicenow', number: 'INC0012345' };
        const a = parseSignOutRequest({ ...minimal, ticket }, policy, now);
        const b = parseSignOutRequest({ ...minimal, ticket, reason: 'another wording' }, policy, new Date());
        const c = parseSignOutRequest({ ...minimal, ticket, users: ['bob@contoso.com'] }, policy, now);
        if (!a.ok || !b.ok || !c.ok) throw new Error('expected valid');
        expect(a.value.requestId).toBe(b.value.requestId);
        expect(a.value.requestId).not.toBe(c.value.requestId);
        expect(a.value.requestId).toMatch(/^servicenow-INC0012345-[0-9a-f]{16}$/);
        expect(a.value.requestId).not.toBe(deriveRequestId(a.value.ticket!, { ...a.value, actions: {} }));
    });

    it('derives the same id for a redelivered ticket with a relative hold', () => {
        const message = {
            ...minimal,
            ticket: { system: 'servicenow', number: 'INC7' },
            actions: { blockSignIn: { mode: 'for', minutes: 30 } },
        };
        const first = parseSignOutRequest(message, policy, now);
        const later = parseSignOutRequest(message, policy, new Date(now.getTime() + 60_000));
        expect(first.ok && later.ok && first.value.requestId === later.value.requestId).toBe(true);
    });
});

describe('environments by type', () => {
    it('chooses environments by type instead of by name', () => {
        const parsed = parseSignOutRequest({ ...minimal, environmentTypes: ['Production', 'Production'] }, policy, now);
        expect(parsed.ok && [parsed.value.environments, parsed.value.environmentTypes]).toEqual([
            'all',
            ['Production'],
        ]);
    });

    it.each([
        ['names and types together', { environments: ['PRODUCTION'], environmentTypes: ['Sandbox'] }],
        ['"all" and types together', { environments: 'all', environmentTypes: ['Sandbox'] }],
    ])('refuses %s, naming environmentTypes', (_label, change) => {
        expect(problemsOf({ ...minimal, ...change })).toEqual([
            {
                field: 'environmentTypes',
                reason: 'must not be given with environments: choose environments by name or by type, not both',
            },
        ]);
    });

    it('refuses an unknown type and an empty list', () => {
        expect(problemsOf({ ...minimal, environmentTypes: ['Test'] })[0]?.field).toBe('environmentTypes[0]');
        expect(problemsOf({ ...minimal, environmentTypes: [] })[0]?.field).toBe('environmentTypes');
    });

    it('derives another ticket id for other types, and keeps the id of a ticket without types', () => {
        const ticket = { system: 'servicenow', number: 'INC7' };
        const ids = [undefined, ['Production'], ['Sandbox']].map((environmentTypes) => {
            const parsed = parseSignOutRequest(
                { ...minimal, ticket, ...(environmentTypes && { environmentTypes }) },
                policy,
                now,
            );
            return parsed.ok ? parsed.value.requestId : '';
        });
        // The id a message without types had before types existed: a redelivery across an upgrade runs once.
        expect(ids[0]).toBe('servicenow-INC7-7a5b8ef3b6cc765b');
        expect(new Set(ids).size).toBe(3);
    });
});

describe('the content hash: one request id, one request', () => {
    const hashOf = (input: Record<string, unknown>, at = now) => {
        const parsed = parseSignOutRequest({ ...minimal, ...input }, policy, at);
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
        return parsed.contentSha256;
    };
    const base = {
        users: ['alice@contoso.com', 'bob@contoso.com'],
        environments: ['PRODUCTION', 'SANDBOX'],
        actions: { blockSignIn: { mode: 'for', minutes: 30 } },
    };

    it('is the same for the same request, however it is spelled or when it arrives', () => {
        const later = new Date(now.getTime() + 3_600_000);
        expect(
            hashOf(
                {
                    users: ['BOB@contoso.com', 'alice@contoso.com', 'Alice@Contoso.com'],
                    environments: ['sandbox', 'PRODUCTION'],
                    actions: { revokeSessions: true, blockSignIn: { mode: 'for', minutes: 30 } },
                    watchMinutes: 90,
                    dryRun: false,
                },
                later,
            ),
        ).toBe(hashOf(base));
    });

    it.each([
        ['users', { users: ['alice@contoso.com'] }],
        ['environments', { environments: 'all' }],
        ['actions', { actions: { blockSignIn: { mode: 'for', minutes: 31 } } }],
        ['watch', { watchMinutes: 0 }],
        ['reason', { reason: 'Compromised account (reworded)' }],
        ['requester', { requestedBy: 'someone@contoso.com' }],
        ['ticket', { ticket: { system: 'servicenow', number: 'INC1' } }],
        ['callback', { callbackUrl: 'https://hooks.example.com/cb?sig=x' }],
        ['dry run', { dryRun: true }],
    ])('differs when the %s differ', (_field, change) => {
        expect(hashOf({ ...base, ...change })).not.toBe(hashOf(base));
    });

    it('includes the environment types, and is what it was before types existed for a request without them', () => {
        const { environments: _names, ...byType } = base;
        const production = hashOf({ ...byType, environmentTypes: ['Production'] });
        expect(production).not.toBe(hashOf({ ...byType, environmentTypes: ['Sandbox'] }));
        expect(production).not.toBe(hashOf(byType));
        expect(hashOf({ ...byType, environmentTypes: ['Sandbox', 'Production'] })).toBe(
            hashOf({ ...byType, environmentTypes: ['Production', 'Sandbox'] }),
        );
        // Records accepted before keep their hash: resubmitting one is still the same request, not a conflict.
        expect(hashOf({ ticket: { system: 'servicenow', number: 'INC7' } })).toBe(
            '15b0e014623d8f56436331075c24b3d864da5a4f84bea04a18470e11a4aa2e6d',
        );
    });

    it('names a request without id or ticket by its content when asked (queue messages), else at random', () => {
        const once = parseSignOutRequest(minimal, policy, now, { idWithoutTicket: 'content' });
        const again = parseSignOutRequest(minimal, policy, new Date(), { idWithoutTicket: 'content' });
        expect(once.ok && once.value.requestId).toMatch(/^msg-[0-9a-f]{32}$/);
        expect(once.ok && again.ok && once.value.requestId === again.value.requestId).toBe(true);
        const random = [1, 2].map(() => {
            const parsed = parseSignOutRequest(minimal, policy, now);
            return parsed.ok ? parsed.value.requestId : '';
        });
        expect(random[0]).toMatch(/^[0-9a-f-]{36}$/);
        expect(random[0]).not.toBe(random[1]);
    });
});

describe('callbackUrlProblem', () => {
    it.each([
        ['https://prod-01.westeurope.logic.azure.com/workflows/x?sig=abc', undefined],
        ['https://hooks.example.com/cb', undefined],
        ['http://hooks.example.com/cb', 'must use https'],
        ['https://logic.azure.com/cb', 'not on the callback allow-list'],
        ['https://127.0.0.1/cb', 'not on the callback allow-list'],
        ['https://hooks.example.com:8443/cb', 'not on the callback allow-list'],
        ['https://hooks.example.com:443/cb', undefined],
        ['https://user:pw@hooks.example.com/cb', 'credentials'],
        ['https://evil.com#.logic.azure.com', 'not on the callback allow-list'],
        ['not a url', 'absolute URL'],
    ])('%s', (url, expected) => {
        const problem = callbackUrlProblem(url, policy.callbackHosts);
        if (expected === undefined) expect(problem).toBeUndefined();
        else expect(problem).toContain(expected);
    });
});
