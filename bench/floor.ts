/**
 * The least time the platform allows for a bulk sign-out: what no implementation can avoid, given the latency of
 * one call and the services' documented limits, not this project's settings. CPU and storage are taken as free.
 *
 * Limits (platform-facts §1-§3):
 * - Graph: at most 20 requests per `$batch`, no limit on batches in flight; per app and tenant 3,500 resource units
 *   per 10 s (a GET costs 1, a POST 1) and 3,000 writes per 150 s (a POST on a user is one).
 * - Business Central: 5 concurrent requests per environment; environments are independent.
 * - A user's sessions may be deleted only after that user's revocation succeeded (otherwise a refresh reconnects).
 */
export interface FloorInputs {
    users: number;
    environments: number;
    sessionsPerUser: number;
    latencyInMs: number;
    /** Environments are named (no listing); a warm worker also knows their companies. */
    cold: boolean;
}

export const PLATFORM_LIMITS = {
    batchSize: 20,
    resourceUnits: { units: 3_500, perMs: 10_000 },
    writes: { writes: 3_000, perMs: 150_000 },
    bcConcurrencyPerEnvironment: 5,
    /** A user's look-up (GET) and revocation (POST): 2 resource units, 1 write. */
    unitsPerUser: 2,
} as const;

export interface Floor {
    totalInMs: number;
    /** When the last user's revocation is answered. */
    lastRevocationInMs: number;
    /** When BC is ready to delete: environments, companies and users listed, sessions listed. */
    bcReadyInMs: number;
    quotaWaitInMs: number;
    formula: string;
}

/**
 * Walks the critical path: a token (one wave), then Graph look-up + revocation of each user, paced by the quotas
 * (a user is revoked in the first window with room for it), while BC lists environments, companies, users and
 * sessions; each environment then deletes its users' sessions 5 at a time, each user's as soon as they are revoked
 * and BC is ready; finally one verification listing per environment.
 */
export function floorOf(inputs: FloorInputs): Floor {
    const L = inputs.latencyInMs;
    const { writes, resourceUnits, unitsPerUser, bcConcurrencyPerEnvironment: C } = PLATFORM_LIMITS;
    const token = L;
    const revokedAt = (user: number) => {
        // Window index each quota allows this user in, counting users in order from the first call.
        const writeWindow = Math.floor(user / writes.writes);
        const unitWindow = Math.floor((user * unitsPerUser) / resourceUnits.units);
        return token + Math.max(writeWindow * writes.perMs, unitWindow * resourceUnits.perMs) + L;
    };
    const lastRevocationInMs = revokedAt(inputs.users - 1);
    // Cold: list environments, then companies and sessions, then the Automation API's users. Warm: sessions and users.
    const bcReadyInMs = token + (inputs.cold ? 3 : 1) * L;

    // One environment's deletes, served C at a time, each user's released when both they and BC are ready.
    const servers = new Array<number>(C).fill(0);
    let lastDelete = 0;
    for (let user = 0; user < inputs.users; user++) {
        const release = Math.max(revokedAt(user), bcReadyInMs);
        for (let s = 0; s < inputs.sessionsPerUser; s++) {
            const next = servers.indexOf(Math.min(...servers));
            const done = Math.max(servers[next] as number, release) + L;
            servers[next] = done;
            lastDelete = Math.max(lastDelete, done);
        }
    }
    const totalInMs = Math.max(lastDelete, bcReadyInMs) + L;
    const quotaWaitInMs = lastRevocationInMs - 2 * L;
    return {
        totalInMs,
        lastRevocationInMs,
        bcReadyInMs,
        quotaWaitInMs,
        formula: [
            'floor = last delete of the slowest environment + one verification listing',
            `  L = ${L} ms, N = ${inputs.users} users, E = ${inputs.environments} environments (in parallel), ` +
                `S = ${inputs.sessionsPerUser} sessions each, ${inputs.cold ? 'cold' : 'warm'}`,
            `  Graph: look-up + revocation of user k answered at L (token) + L + the quota window it fits in: ` +
                `⌊k/${writes.writes}⌋ × ${writes.perMs / 1000} s (writes), ⌊${unitsPerUser}k/${resourceUnits.units}⌋ × ` +
                `${resourceUnits.perMs / 1000} s (resource units); batches of ${PLATFORM_LIMITS.batchSize}, no limit in flight`,
            `  last revocation at ${(lastRevocationInMs / 1000).toFixed(1)} s (quota wait ${(quotaWaitInMs / 1000).toFixed(1)} s)`,
            `  BC ready at ${(bcReadyInMs / 1000).toFixed(2)} s (${inputs.cold ? 'environments → companies, sessions → users' : 'sessions, users'})`,
            `  deletes: N·S = ${inputs.users * inputs.sessionsPerUser} per environment, ${C} at a time, each user's after ` +
                `their revocation → last at ${(lastDelete / 1000).toFixed(1)} s`,
            `  floor = ${(totalInMs / 1000).toFixed(1)} s`,
        ].join('\n'),
    };
}
