import type { AccessToken, TokenCredential } from '@azure/identity';
import { reuseTokens } from '../../../src/clients/identity/reuseTokens';

const HOUR = 3_600_000;

/** A credential that counts its calls and issues tokens valid for an hour from the clock's time. */
function countingCredential(clock: { now: number }, fail = false) {
    const calls: string[] = [];
    const credential: TokenCredential = {
        getToken: async (scopes) => {
            calls.push([scopes].flat().join(' '));
            await Promise.resolve();
            if (fail) throw new Error('AADSTS7000215: invalid client secret');
            return { token: `token-${calls.length}`, expiresOnTimestamp: clock.now + HOUR } satisfies AccessToken;
        },
    };
    return { credential, calls };
}

describe('reusing tokens', () => {
    it('asks once for concurrent callers of a scope, then answers from the token while it is valid', async () => {
        const clock = { now: 0 };
        const { credential, calls } = countingCredential(clock);
        const shared = reuseTokens(credential, () => clock.now);
        const first = await Promise.all([1, 2, 3].map(() => shared.getToken('graph/.default')));
        expect(first.map((token) => token?.token)).toEqual(['token-1', 'token-1', 'token-1']);
        clock.now += 30 * 60_000;
        expect((await shared.getToken('graph/.default'))?.token).toBe('token-1');
        expect((await shared.getToken('bc/.default'))?.token).toBe('token-2');
        expect(calls).toEqual(['graph/.default', 'bc/.default']);
    });

    it('asks again five minutes before the token expires', async () => {
        const clock = { now: 0 };
        const { credential, calls } = countingCredential(clock);
        const shared = reuseTokens(credential, () => clock.now);
        await shared.getToken('graph/.default');
        clock.now += HOUR - 4 * 60_000;
        expect((await shared.getToken('graph/.default'))?.token).toBe('token-2');
        expect(calls).toHaveLength(2);
    });

    it('passes a claims challenge to the credential, and keeps no failure', async () => {
        const clock = { now: 0 };
        const { credential, calls } = countingCredential(clock);
        const shared = reuseTokens(credential, () => clock.now);
        await shared.getToken('graph/.default');
        await shared.getToken('graph/.default', { claims: '{"access_token":{"nbf":{"essential":true}}}' });
        expect(calls).toHaveLength(2);

        const failing = reuseTokens(countingCredential(clock, true).credential, () => clock.now);
        await expect(failing.getToken('graph/.default')).rejects.toThrow('AADSTS7000215');
        await expect(failing.getToken('graph/.default')).rejects.toThrow('AADSTS7000215');
    });
});
