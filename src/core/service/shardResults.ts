import { residualRiskOf } from '../engine/residualRisk';
import type { EngineSettings } from '../engine/signOutEngine';
import type { RequestRecord } from '../ports/auditStore';
import type { SignOutRequest } from '../request/signOutRequest';
import type { EnvironmentResult, RequestStatus, SignOutResult, UserResult } from '../result';
import { groupBy } from '../groupBy';
import { isGuest } from '../engine/guard';

/** A shard as merged: its users' outcomes, and its status (which covers users its stored result had to leave out). */
interface ShardPart {
    status: RequestStatus;
    users: UserResult[];
    environments: EnvironmentResult[];
    result?: SignOutResult;
    notes: string[];
}

/**
 * The request's result from its shards' results: every user's outcome as its shard recorded it, environments
 * merged, and what remains computed again over all users, so the summary agrees with the details. A shard that
 * ended without a result (dead-lettered) counts its users as failed, and says so.
 */
export function mergeShardResults(
    request: SignOutRequest,
    shards: readonly RequestRecord[],
    settings: Pick<EngineSettings, 'accessTokenWindowMinutes'>,
    at: Date,
): SignOutResult {
    const parts = shards.map(partOf);
    const users = parts.flatMap((part) => part.users);
    const results = parts.flatMap((part) => (part.result ? [part.result] : []));
    const environments = mergeEnvironments(parts.map((part) => part.environments));
    const revokedAt = latest(results.map((result) => result.residualRisk.revokedAt));
    const watchUntil = latest(results.map((result) => result.residualRisk.watchUntil));
    const risk = residualRiskOf({
        users,
        environments,
        accessTokenWindowMinutes: settings.accessTokenWindowMinutes,
        guests: users.filter(isGuestResult).map((user) => user.userPrincipalName ?? user.user),
        dryRun: request.dryRun,
        ...(revokedAt && { revokedAt }),
        ...(watchUntil && { watchUntil }),
    });
    return {
        requestId: request.requestId,
        status: combinedStatus(parts.map((part) => part.status)),
        dryRun: request.dryRun,
        startedAt: earliest(results.map((result) => result.startedAt)) ?? at.toISOString(),
        finishedAt: at.toISOString(),
        users,
        environments,
        residualRisk: { ...risk, notes: [...risk.notes, ...parts.flatMap((part) => part.notes)] },
    };
}

function partOf(shard: RequestRecord): ShardPart {
    const result = shard.result;
    if (!result) {
        const why = `shard ${shard.requestId} ended ${shard.state}${shard.stateDetail ? ` (${shard.stateDetail})` : ''}`;
        return {
            status: 'failed',
            users: (shard.request?.users ?? []).map((user) => ({ user, outcome: 'failed', detail: why, systems: [] })),
            environments: [],
            notes: [
                `${capitalised(why)} without a result: the sign-out of its ${shard.userCount} users is not known to have happened; see its trail.`,
            ],
        };
    }
    // A result too large for its table entity is stored without its per-user outcomes; the shard's own status and
    // trail still tell what happened to them.
    const left = shard.userCount - result.users.length;
    return {
        status: result.status === 'rejected' ? 'failed' : result.status,
        users: result.users,
        environments: result.environments,
        result,
        notes:
            left > 0
                ? [
                      `Shard ${shard.requestId} (${result.status}) stored the outcomes of ${result.users.length} of its ${shard.userCount} users; the others are in its trail.`,
                  ]
                : [],
    };
}

/** `completed` when every shard completed, `failed` when every shard failed, else `partial`: as for users. */
function combinedStatus(statuses: readonly RequestStatus[]): RequestStatus {
    if (statuses.every((status) => status === 'completed')) return 'completed';
    if (statuses.every((status) => status === 'failed')) return 'failed';
    return 'partial';
}

/**
 * One result per environment over every shard. A session user unmatched in one shard may be another shard's user,
 * so only those unmatched in every shard are unmatched; the count is given only when every shard listed them all.
 */
function mergeEnvironments(perShard: readonly EnvironmentResult[][]): EnvironmentResult[] {
    const byName = groupBy(perShard.flat(), (environment) => environment.name);
    return [...byName].map(([name, results]) => {
        const troubled = results.find((result) => result.status === 'failed' || result.status === 'partial');
        const unmatched = unmatchedInAll(results, perShard.length);
        return {
            name,
            status: environmentStatus(results.map((result) => result.status)),
            ...(troubled?.code && { code: troubled.code }),
            ...(troubled?.detail && { detail: troubled.detail }),
            ...(unmatched && {
                unmatchedSessionUsers: unmatched.length,
                unmatchedSessionUserNames: unmatched.slice(0, 100),
            }),
        };
    });
}

function environmentStatus(statuses: readonly EnvironmentResult['status'][]): EnvironmentResult['status'] {
    const acted = statuses.filter((status) => status !== 'skipped');
    if (acted.length === 0) return 'skipped';
    if (acted.every((status) => status === 'succeeded')) return 'succeeded';
    return acted.every((status) => status === 'failed') ? 'failed' : 'partial';
}

function unmatchedInAll(results: readonly EnvironmentResult[], shards: number): string[] | undefined {
    const complete = results.every(
        (result) => (result.unmatchedSessionUserNames?.length ?? 0) === (result.unmatchedSessionUsers ?? 0),
    );
    if (results.length !== shards || !complete) return undefined;
    const [first, ...others] = results.map((result) => new Set(result.unmatchedSessionUserNames ?? []));
    return [...(first ?? [])].filter((name) => others.every((names) => names.has(name)));
}

function isGuestResult(user: UserResult): boolean {
    return user.outcome === 'processed' && isGuest(user);
}

function latest(times: readonly (string | undefined)[]): string | undefined {
    return times.reduce<string | undefined>((max, time) => (time && (!max || time > max) ? time : max), undefined);
}

function earliest(times: readonly string[]): string | undefined {
    return times.reduce<string | undefined>((min, time) => (!min || time < min ? time : min), undefined);
}

function capitalised(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}
