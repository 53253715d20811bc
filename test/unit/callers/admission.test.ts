import { admissionRefusal, type CallerPolicy } from '../../../src/core/callers/admission';
import type { Caller } from '../../../src/core/ports/auditStore';
import { parseSignOutRequest, type RequestPolicy } from '../../../src/core/request/signOutRequest';

const HOME = '11111111-1111-4111-8111-111111111111';
const CUSTOMER = '22222222-2222-4222-8222-222222222222';
const PARTNER_ADMIN = '33333333-3333-4333-8333-333333333333';
const requestPolicy: RequestPolicy = {
    maxUsers: 10,
    defaultTenantId: HOME,
    allowedTenantIds: [HOME, CUSTOMER],
    callbackHosts: [],
};
const policy: CallerPolicy = {
    bulkThreshold: 2,
    maxUsersPerHour: 100,
    homeTenantId: HOME,
    managedIdentity: false,
    tenantCallers: [{ tenantId: CUSTOMER, callerId: PARTNER_ADMIN }],
};
const request = (input: Record<string, unknown>) => {
    const parsed = parseSignOutRequest({ users: ['alice@contoso.com'], reason: 'x', ...input }, requestPolicy);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    return parsed.value;
};
const caller = (roles?: string[], id = PARTNER_ADMIN): Caller => ({
    kind: 'app-service-auth',
    id,
    objectId: id,
    ...(roles && { roles }),
    verified: true,
});

describe('admissionRefusal', () => {
    it('asks SignOut.Block for holds and bulk, SignOut.Request for the rest, and nothing where roles do not apply', () => {
        const requester = caller(['SignOut.Request']);
        expect(admissionRefusal(request({}), requester, policy)).toBeUndefined();
        expect(
            admissionRefusal(request({ actions: { blockSignIn: { mode: 'for', minutes: 5 } } }), requester, policy),
        ).toMatchObject({ code: 'role-required', message: expect.stringContaining('SignOut.Block') });
        expect(
            admissionRefusal(
                request({ users: ['a@contoso.com', 'b@contoso.com', 'c@contoso.com'] }),
                requester,
                policy,
            ),
        ).toMatchObject({ code: 'role-required' });
        expect(
            admissionRefusal(
                request({ dryRun: true, actions: { disableBcUser: { mode: 'permanent' } } }),
                requester,
                policy,
            ),
        ).toBeUndefined();
        expect(admissionRefusal(request({}), caller(['SignOut.Read']), policy)).toMatchObject({
            code: 'role-required',
        });
        expect(
            admissionRefusal(request({ actions: { blockSignIn: { mode: 'permanent' } } }), caller(), policy),
        ).toBeUndefined();
    });

    it('lets only paired callers name another tenant, and nobody when the service is a managed identity', () => {
        const customer = request({ tenantId: CUSTOMER });
        expect(admissionRefusal(customer, caller(), policy)).toBeUndefined();
        expect(admissionRefusal(customer, caller(undefined, HOME), policy)).toMatchObject({
            code: 'tenant-not-allowed',
            field: 'tenantId',
        });
        const anyone = { ...policy, tenantCallers: [{ tenantId: CUSTOMER, callerId: '*' }] };
        expect(admissionRefusal(customer, caller(undefined, HOME), anyone)).toBeUndefined();
        expect(admissionRefusal(customer, caller(), { ...anyone, managedIdentity: true })).toMatchObject({
            code: 'tenant-not-allowed',
            message: expect.stringContaining('managed identity'),
        });
        expect(admissionRefusal(request({}), caller(), { ...policy, managedIdentity: true })).toBeUndefined();
    });
});
