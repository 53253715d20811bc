import type { ResidualRisk, SignOutResult } from '../result';

export interface ResidualRiskInput {
    users: SignOutResult['users'];
    environments: SignOutResult['environments'];
    revokedAt?: string;
    accessTokenWindowMinutes: number;
    watchUntil?: string;
    guests: readonly string[];
    dryRun: boolean;
}

/**
 * What remains after the sign-out. Access tokens already issued live on (60-90 minutes) and BC is not known to
 * honour Continuous Access Evaluation (platform-facts §4), so a paused session can reconnect until they expire.
 */
export function residualRiskOf(input: ResidualRiskInput): ResidualRisk {
    const notes: string[] = [];
    if (input.dryRun) notes.push('Dry run: nothing was changed.');
    const tokensMayReconnectUntil = input.revokedAt
        ? new Date(Date.parse(input.revokedAt) + input.accessTokenWindowMinutes * 60_000).toISOString()
        : undefined;
    if (tokensMayReconnectUntil)
        notes.push(
            `Access tokens issued before the revocation stay valid until about ${tokensMayReconnectUntil}; Business Central is not known to honour Continuous Access Evaluation, so a refreshed browser can reconnect until then.`,
        );
    if (input.watchUntil)
        notes.push(`The sweep keeps cancelling new sessions of these users until ${input.watchUntil}.`);
    else if (tokensMayReconnectUntil && !input.dryRun)
        notes.push('No watch was requested: reconnects in that window will not be cancelled.');
    for (const guest of input.guests)
        notes.push(
            `${guest} is a guest (B2B): revoking sessions in this tenant is not effective; their home tenant controls sign-in.`,
        );
    for (const user of input.users) {
        for (const system of user.systems) {
            if (system.heuristic)
                notes.push(
                    `${user.user}: ${system.system} matched sessions by name heuristics (Automation API unavailable).`,
                );
            if (system.counts && system.counts.residual > 0)
                notes.push(
                    `${user.user}: ${system.counts.residual} session(s) still present in ${system.system} after cancelling.`,
                );
        }
    }
    for (const environment of input.environments)
        if (environment.status === 'failed')
            notes.push(
                `Environment ${environment.name} failed (${environment.code ?? 'error'}): its sessions may remain.`,
            );
    return {
        notes,
        ...(input.revokedAt && { revokedAt: input.revokedAt }),
        ...(tokensMayReconnectUntil && { tokensMayReconnectUntil }),
        ...(input.watchUntil && { watchUntil: input.watchUntil }),
    };
}
