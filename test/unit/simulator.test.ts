import { parseUsDateTime, usDateTime } from '../simulator/bcFormat';
import { createClock } from '../simulator/clock';
import { FaultInjector } from '../simulator/faults';
import { FIXTURE, defaultFixture } from '../simulator/fixture';
import { seededRandom, shuffled } from '../simulator/random';
import { RealityModel } from '../simulator/reality';
import { TenantState } from '../simulator/state';
import { resourceOfScope } from '../simulator/tokenService';
import { ResourceUnitQuota, WriteQuota } from '../simulator/writeQuota';

describe('usDateTime', () => {
    it.each([
        [Date.UTC(2025, 11, 18, 15, 44, 21), '12/18/2025 3:44:21 PM'],
        [Date.UTC(2026, 0, 5, 0, 7, 9), '1/5/2026 12:07:09 AM'],
        [Date.UTC(2026, 6, 4, 12, 0, 0), '7/4/2026 12:00:00 PM'],
    ])('writes %s as %s and reads it back', (time, text) => {
        expect(usDateTime(time)).toBe(text);
        expect(parseUsDateTime(text)).toBe(time);
    });
});

describe('resourceOfScope', () => {
    const url = 'https://127.0.0.1:4443';
    it.each([
        [`${url}/graph/.default`, 'graph'],
        [`${url}/bc/.default`, 'bc'],
        [`${url}/bc//.default`, 'bc'],
        ['https://graph.microsoft.com/.default', 'graph'],
        ['https://api.businesscentral.dynamics.com//.default', 'bc'],
        [`${url}/.default`, undefined],
        [`${url}/graph/User.Read`, undefined],
        ['not a url/.default', undefined],
    ])('%s names %s', (scope, resource) => {
        expect(resourceOfScope(scope)).toBe(resource);
    });
});

describe('FaultInjector', () => {
    const target = { service: 'graph' as const, method: 'GET', path: '/v1.0/users/x' };

    it('stops after `times`, adds latencies and lets the first failure win', () => {
        const faults = new FaultInjector();
        faults.add({ kind: 'latency', latencyMs: 5 });
        faults.add({ service: 'graph', kind: 'throttle', times: 1, retryAfterSeconds: 4 });
        faults.add({ path: /users/, kind: 'status', status: 503 });
        faults.add({ kind: 'latency', latencyMs: 7 });
        expect(faults.decide(target)).toEqual({
            latencyMs: 12,
            action: { kind: 'throttle', retryAfterSeconds: 4 },
            applied: ['latency', 'throttle', 'latency'],
        });
        expect(faults.decide(target).action).toEqual({ kind: 'status', status: 503, retryAfterSeconds: undefined });
        expect(faults.decide({ ...target, service: 'bc-admin', path: '/admin' }).action).toBeUndefined();
    });

    it('matches method and path, ignoring a global flag', () => {
        const faults = new FaultInjector();
        const id = faults.add({ method: 'post', path: /users/g, kind: 'drop' });
        expect(faults.decide({ ...target, method: 'POST' }).action).toEqual({ kind: 'drop' });
        expect(faults.decide({ ...target, method: 'POST' }).action).toEqual({ kind: 'drop' });
        expect(faults.decide(target).action).toBeUndefined();
        expect(faults.remove(id)).toBe(true);
        expect(faults.decide({ ...target, method: 'POST' }).action).toBeUndefined();
    });

    it('refuses rules that cannot work', () => {
        const faults = new FaultInjector();
        expect(() => faults.add({ kind: 'status' })).toThrow(RangeError);
        expect(() => faults.add({ kind: 'drop', rate: 2 })).toThrow(RangeError);
        expect(() => faults.add({ kind: 'drop', times: 0 })).toThrow(RangeError);
    });
});

describe('WriteQuota', () => {
    it('refuses writes over the window with the seconds until one frees', () => {
        const clock = createClock();
        const quota = new WriteQuota(clock, () => ({ writes: 2, perMs: 10_000 }));
        expect(quota.take()).toEqual({ ok: true });
        clock.advance(4_000);
        expect(quota.take()).toEqual({ ok: true });
        expect(quota.take()).toEqual({ ok: false, retryAfterSeconds: 6 });
        clock.advance(6_000);
        expect(quota.take()).toEqual({ ok: true });
    });
});

describe('ResourceUnitQuota', () => {
    it('counts what each request costs, and says when enough units free up for the next one', () => {
        const clock = createClock();
        const quota = new ResourceUnitQuota(clock, () => ({ units: 3, perMs: 10_000 }));
        expect(quota.take(2)).toEqual({ ok: true });
        clock.advance(3_000);
        expect(quota.take(1)).toEqual({ ok: true });
        expect(quota.take(2)).toEqual({ ok: false, retryAfterSeconds: 7 });
        expect(quota.take(1)).toEqual({ ok: false, retryAfterSeconds: 7 });
        clock.advance(7_000);
        expect(quota.take(2)).toEqual({ ok: true });
        expect(quota.take(1)).toEqual({ ok: false, retryAfterSeconds: 3 });
    });
});

describe('shuffled', () => {
    it('never keeps the request order of two or more items', () => {
        const random = seededRandom(3);
        for (let n = 2; n < 30; n++) {
            const items = Array.from({ length: n }, (_, index) => index);
            expect(shuffled(items, random)).not.toEqual(items);
        }
    });
});

describe('RealityModel.canReconnect', () => {
    const setup = () => {
        const clock = createClock();
        const state = new TenantState(defaultFixture(), clock);
        const reality = new RealityModel(state, clock, { accessTokenWindowMs: 90 * 60_000, reconnectDelayMs: 60_000 });
        return { clock, state, reality, prod: state.environment(FIXTURE.environments.production) };
    };

    it('lets a blocked user reconnect only within the window after the block', () => {
        const { clock, state, reality, prod } = setup();
        const alice = state.findUser(FIXTURE.users.alice.id);
        if (!alice) throw new Error('fixture without alice');
        alice.accountEnabled = false;
        alice.blockedAt = clock.now();
        expect(reality.canReconnect(prod, 'ALICE')).toBe(true);
        clock.advance(90 * 60_000);
        expect(reality.canReconnect(prod, 'alice')).toBe(false);
    });

    it('never lets an account blocked before the start reconnect', () => {
        const { state, reality, prod } = setup();
        const alice = state.findUser(FIXTURE.users.alice.userPrincipalName);
        if (!alice) throw new Error('fixture without alice');
        alice.accountEnabled = false;
        expect(reality.canReconnect(prod, 'ALICE')).toBe(false);
    });

    it('lets a BC user without an Entra counterpart reconnect, but nobody in a non-active environment', () => {
        const { reality, prod } = setup();
        expect(reality.canReconnect(prod, FIXTURE.serviceBcUserName)).toBe(true);
        prod.status = 'Upgrading';
        expect(reality.canReconnect(prod, 'ALICE')).toBe(false);
    });

    it('drops a due reconnect the user cannot make and keeps one that is not due', () => {
        const { clock, state, reality, prod } = setup();
        const [first, second] = prod.sessions.filter((session) => session.userId === 'ALICE');
        reality.cancelSession(prod, first?.sessionId ?? -1);
        clock.advance(60_000);
        reality.cancelSession(prod, second?.sessionId ?? -1);
        const bcAlice = state.findBcUser(prod, 'ALICE');
        if (!bcAlice) throw new Error('fixture without ALICE');
        bcAlice.state = 'Disabled';
        reality.materialise();
        expect(state.pendingReconnects).toHaveLength(1);
        expect(prod.sessions.filter((session) => session.userId === 'ALICE')).toHaveLength(0);
    });
});
