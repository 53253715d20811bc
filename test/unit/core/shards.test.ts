import type { RequestRecord } from '../../../src/core/ports/auditStore';
import type { SignOutRequest } from '../../../src/core/request/signOutRequest';
import type { EnvironmentResult, SignOutResult, UserResult } from '../../../src/core/result';
import { mergeShardResults } from '../../../src/core/service/shardResults';
import { shardCountOf, shardIdOf, shardsOf } from '../../../src/core/service/shards';

const SETTINGS = { accessTokenWindowMinutes: 90 };
const AT = new Date('2026-11-27T12:00:00.000Z');

function request(users: number): SignOutRequest {
    return {
        schemaVersion: 1,
        requestId: 'bulk-1',
        tenantId: '00000000-0000-0000-0000-000000000001',
        users: Array.from({ length: users }, (_, index) => `user${index + 1}@contoso.com`),
        environments: 'all',
        applicationFamily: 'BusinessCentral',
        actions: {
            revokeEntraSessions: true,
            cancelBcSessions: true,
            blockSignIn: { kind: 'none' },
            disableBcUser: { kind: 'none' },
        },
        watchMinutes: 90,
        reason: 'Site closure',
        dryRun: false,
        callbackUrl: 'https://hooks.example.com/done?sig=secret',
    } as unknown as SignOutRequest;
}

describe('splitting a request into shards', () => {
    it.each([
        [501, 500, 2],
        [1_000, 500, 2],
        [10_001, 50, 201],
        [20_000, 50, 400],
        [2_501, 50, 51],
    ])(
        'puts each of %i users in exactly one of the shards (SHARD_SIZE %i: %i shards), none empty',
        (users, size, count) => {
            const whole = request(users);
            expect(shardCountOf(users, 'http', size)).toBe(count);
            const shards = shardsOf(whole, count);
            expect(shards).toHaveLength(count);
            expect(shards.flatMap((shard) => shard.users)).toEqual(whole.users);
            expect(shards.every((shard) => shard.users.length > 0 && shard.users.length <= size)).toBe(true);
            expect(shards.every((shard) => shard.callbackUrl === undefined)).toBe(true);
            expect(shards[0]?.requestId).toBe('bulk-1.shard-001');
            expect(shards.at(-1)?.requestId).toBe(shardIdOf('bulk-1', count - 1));
        },
    );

    it('runs a request whole when it fits one shard, and always when the CLI runs it', () => {
        expect(shardCountOf(500, 'http', 500)).toBeUndefined();
        expect(shardCountOf(501, 'queue', 500)).toBe(2);
        expect(shardCountOf(20_000, 'cli', 500)).toBeUndefined();
    });
});

function user(name: string, systems: Partial<Record<string, 'succeeded' | 'failed'>>): UserResult {
    return {
        user: name,
        outcome: 'processed',
        userPrincipalName: name,
        systems: Object.entries(systems).map(([system, status]) => ({ system, status: status!, at: AT.toISOString() })),
    };
}

function environment(status: EnvironmentResult['status'], unmatched: string[]): EnvironmentResult {
    return {
        name: 'PRODUCTION',
        status,
        unmatchedSessionUsers: unmatched.length,
        unmatchedSessionUserNames: unmatched,
    };
}

function shard(index: number, result: Partial<SignOutResult> & { users: UserResult[] }): RequestRecord {
    return {
        requestId: shardIdOf('bulk-1', index),
        parentRequestId: 'bulk-1',
        tenantId: 't',
        state: result.status ?? 'completed',
        source: 'http',
        caller: { kind: 'function-key', id: 'k', verified: false },
        userCount: result.users.length,
        createdAt: AT.toISOString(),
        updatedAt: AT.toISOString(),
        attempts: 1,
        result: {
            requestId: shardIdOf('bulk-1', index),
            status: 'completed',
            dryRun: false,
            startedAt: AT.toISOString(),
            finishedAt: AT.toISOString(),
            environments: [],
            residualRisk: { notes: [] },
            ...result,
        },
    };
}

describe("merging shards' results", () => {
    it('is completed only when every shard completed, and keeps every user in order', () => {
        const merged = mergeShardResults(
            request(2),
            [
                shard(0, { users: [user('a@contoso.com', { 'entra.revoke': 'succeeded' })] }),
                shard(1, { users: [user('b@contoso.com', { 'entra.revoke': 'succeeded' })] }),
            ],
            SETTINGS,
            AT,
        );
        expect(merged).toMatchObject({ requestId: 'bulk-1', status: 'completed' });
        expect(merged.users.map((u) => u.user)).toEqual(['a@contoso.com', 'b@contoso.com']);
    });

    it("is partial when one shard's step failed, and names that step in what remains", () => {
        const merged = mergeShardResults(
            request(2),
            [
                shard(0, { users: [user('a@contoso.com', { 'entra.revoke': 'succeeded' })] }),
                shard(1, {
                    status: 'partial',
                    users: [user('b@contoso.com', { 'entra.revoke': 'succeeded', 'bc.PRODUCTION.sessions': 'failed' })],
                    environments: [environment('partial', [])],
                }),
            ],
            SETTINGS,
            AT,
        );
        expect(merged.status).toBe('partial');
        expect(merged.environments).toEqual([expect.objectContaining({ name: 'PRODUCTION', status: 'partial' })]);
        expect(merged.residualRisk.notes.join('\n')).toMatch(/b@contoso.com: bc.PRODUCTION.sessions failed/);
    });

    it('counts the users of a shard that ended without a result as failed, and says so', () => {
        const lost: RequestRecord = {
            ...shard(1, { users: [] }),
            state: 'dead-lettered',
            stateDetail: 'poisoned 3 times',
            userCount: 1,
            request: { ...request(1), requestId: shardIdOf('bulk-1', 1), users: ['b@contoso.com'] },
        };
        delete lost.result;
        const merged = mergeShardResults(
            request(2),
            [shard(0, { users: [user('a@contoso.com', { 'entra.revoke': 'succeeded' })] }), lost],
            SETTINGS,
            AT,
        );
        expect(merged.status).toBe('partial');
        expect(merged.users[1]).toMatchObject({ user: 'b@contoso.com', outcome: 'failed' });
        expect(merged.residualRisk.notes.join('\n')).toMatch(
            /bulk-1.shard-002 ended dead-lettered .* not known to have happened/,
        );
    });

    it("says a session user was unmatched only when no shard's users matched it", () => {
        const merged = mergeShardResults(
            request(2),
            [
                // BOB is shard 2's user: unmatched in shard 1 only. HANK matched nobody's.
                shard(0, {
                    users: [user('a@contoso.com', { 'entra.revoke': 'succeeded' })],
                    environments: [environment('succeeded', ['BOB', 'HANK'])],
                }),
                shard(1, {
                    users: [user('b@contoso.com', { 'entra.revoke': 'succeeded' })],
                    environments: [environment('succeeded', ['HANK'])],
                }),
            ],
            SETTINGS,
            AT,
        );
        expect(merged.environments[0]).toMatchObject({ unmatchedSessionUsers: 1, unmatchedSessionUserNames: ['HANK'] });
    });

    it('gives the latest revocation and watch end of all shards, once', () => {
        const merged = mergeShardResults(
            request(2),
            [
                shard(0, {
                    users: [user('a@contoso.com', { 'entra.revoke': 'succeeded' })],
                    residualRisk: {
                        notes: [],
                        revokedAt: '2026-11-27T11:00:00.000Z',
                        watchUntil: '2026-11-27T12:30:00.000Z',
                    },
                }),
                shard(1, {
                    users: [user('b@contoso.com', { 'entra.revoke': 'succeeded' })],
                    residualRisk: {
                        notes: [],
                        revokedAt: '2026-11-27T11:05:00.000Z',
                        watchUntil: '2026-11-27T12:35:00.000Z',
                    },
                }),
            ],
            SETTINGS,
            AT,
        );
        expect(merged.residualRisk).toMatchObject({
            revokedAt: '2026-11-27T11:05:00.000Z',
            tokensMayReconnectUntil: '2026-11-27T12:35:00.000Z',
            watchUntil: '2026-11-27T12:35:00.000Z',
        });
        expect(merged.residualRisk.notes.filter((note) => note.startsWith('Access tokens issued'))).toHaveLength(1);
    });
});
