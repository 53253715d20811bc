/**
 * The least time the simulator's latency and quotas allow for a bulk sign-out, from the calls no implementation can
 * avoid. Each wave of calls costs one latency L; CPU time is taken as zero.
 */
export interface FloorInputs {
    users: number;
    environments: number;
    sessionsPerUser: number;
    latencyInMs: number;
    /** Graph refuses more than 20 requests per `$batch` (platform-facts §1). */
    batchSize: number;
    /** GRAPH_BATCHES_IN_FLIGHT. */
    graphBatchesInFlight: number;
    /** BC_CONCURRENCY. */
    bcConcurrency: number;
    /** Protected groups configured: every user's membership must be checked (a Graph write). */
    checksGroups: boolean;
    writeQuota: { writes: number; perMs: number };
}

export interface Floor {
    /** Concurrency applied per environment (environments side by side, up to BC_CONCURRENCY), as the engine does. */
    perEnvironmentInMs: number;
    /** BC_CONCURRENCY bounding every call to the Admin Center API together, as its setting describes it. */
    perApiInMs: number;
    waves: {
        resolve: number;
        discovery: number;
        revoke: number;
        deletesPerEnvironmentLimit: number;
        deletesPerApiLimit: number;
        verify: number;
    };
    quotaWaitInMs: number;
    formula: string;
}

export function floorOf(inputs: FloorInputs): Floor {
    const { users, environments, sessionsPerUser, latencyInMs: L, batchSize: B } = inputs;
    const G = inputs.graphBatchesInFlight;
    const C = inputs.bcConcurrency;
    const userBatches = Math.ceil(users / B);
    // Resolution: a GET per user, and checkMemberGroups per user when protected groups are configured.
    const resolve = Math.ceil((userBatches * (inputs.checksGroups ? 2 : 1)) / G);
    // List environments, then each environment's company, then its users (sessions are listed alongside).
    const discovery = 3;
    const revoke = Math.ceil(userBatches / G);
    const deletes = users * sessionsPerUser;
    const deletesPerEnvironmentLimit = Math.ceil(environments / C) * Math.ceil(deletes / C);
    const deletesPerApiLimit = Math.ceil((deletes * environments) / C);
    const verify = 1;
    const writes = users * (inputs.checksGroups ? 2 : 1);
    const quotaWaitInMs = Math.max(0, Math.ceil(writes / inputs.writeQuota.writes) - 1) * inputs.writeQuota.perMs;
    // The guard needs resolution before any change; revocation and BC cancellation may then overlap.
    const total = (deleteWaves: number) =>
        L * (Math.max(resolve, discovery) + Math.max(revoke, deleteWaves) + verify) + quotaWaitInMs;
    return {
        perEnvironmentInMs: total(deletesPerEnvironmentLimit),
        perApiInMs: total(deletesPerApiLimit),
        waves: { resolve, discovery, revoke, deletesPerEnvironmentLimit, deletesPerApiLimit, verify },
        quotaWaitInMs,
        formula: [
            `floor = L × (max(resolve, discovery) + max(revoke, deletes) + verify) + quotaWait`,
            `  L = ${L} ms, N = ${users} users, E = ${environments}, S = ${sessionsPerUser}, ` +
                `B = ${B}, G = ${G}, C = ${C}`,
            `  resolve   = ⌈⌈N/B⌉ × ${inputs.checksGroups ? 2 : 1} / G⌉ = ${resolve}` +
                `   (GET user${inputs.checksGroups ? ' + checkMemberGroups' : ''}, batched)`,
            `  discovery = ${discovery}   (environments → company → BC users; sessions listed alongside)`,
            `  revoke    = ⌈⌈N/B⌉ / G⌉ = ${revoke}`,
            `  deletes   = ⌈E/C⌉ × ⌈N·S/C⌉ = ${deletesPerEnvironmentLimit}   (C per environment)` +
                `   | ⌈E·N·S/C⌉ = ${deletesPerApiLimit}   (C for the whole Admin Center API)`,
            `  verify    = ${verify}   (one listing per environment, in parallel)`,
            `  quotaWait = (⌈writes/${inputs.writeQuota.writes}⌉ - 1) × ${inputs.writeQuota.perMs} ms` +
                ` = ${quotaWaitInMs} ms   (writes = ${writes})`,
        ].join('\n'),
    };
}
