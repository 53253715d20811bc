import type { ResidualRisk, SignOutResult, SystemOutcome, UserResult } from '../result';
import { REVOKED_BEFORE_GUARD } from './resolveUsers';

export interface ResidualRiskInput {
    users: SignOutResult['users'];
    environments: SignOutResult['environments'];
    revokedAt?: string;
    accessTokenWindowMinutes: number;
    watchUntil?: string;
    /** A watch was asked for, but no environment could be listed to keep it in. */
    watchNotKept?: boolean;
    guests: readonly string[];
    dryRun: boolean;
}

const ADD_APP_TO_ENVIRONMENT =
    "add the app on the environment's Microsoft Entra apps page in Business Central so the Automation API answers";

/**
 * What remains after the sign-out: every failed step, named with what it leaves open and, where known, what to do.
 * Access tokens already issued live on (60-90 minutes) and BC is not known to honour Continuous Access Evaluation
 * (platform-facts §4), so a paused session can reconnect until they expire.
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
    else if (input.watchNotKept)
        notes.push(
            'A watch was asked for, but no environment could be listed to keep it in: reconnects in that window will not be cancelled.',
        );
    else if (tokensMayReconnectUntil && !input.dryRun)
        notes.push('No watch was requested: reconnects in that window will not be cancelled.');
    for (const guest of input.guests)
        notes.push(
            `${guest} is a guest (B2B): revoking sessions in this tenant is not effective; their home tenant controls sign-in.`,
        );
    for (const user of input.users) for (const system of user.systems) notes.push(...notesOf(user, system));
    for (const environment of input.environments)
        if (environment.status === 'failed' || environment.status === 'partial')
            notes.push(
                `Environment ${environment.name} ${environment.status === 'failed' ? 'failed' : 'partly failed'} (${environment.code ?? 'error'}): sessions there may remain.`,
            );
    return {
        notes,
        ...(input.revokedAt && { revokedAt: input.revokedAt }),
        ...(tokensMayReconnectUntil && { tokensMayReconnectUntil }),
        ...(input.watchUntil && { watchUntil: input.watchUntil }),
    };
}

/** One line per step that leaves something open. */
function notesOf(user: UserResult, system: SystemOutcome): string[] {
    const who = user.user;
    if (system.code === REVOKED_BEFORE_GUARD)
        return [
            `${who} is protected, but its sign-in sessions were revoked before the guard recognised it (renamed since the protected set was built): it must sign in again; nothing else was changed.`,
        ];
    if (system.status !== 'failed') {
        const notes: string[] = [];
        if (system.heuristic)
            notes.push(
                `${who}: ${system.system} matched sessions by name heuristics, because the Automation API is not authorised for this app there; ${ADD_APP_TO_ENVIRONMENT}.`,
            );
        if (system.counts && system.counts.residual > 0)
            notes.push(`${who}: ${system.counts.residual} session(s) still present in ${system.system}.`);
        return notes;
    }
    const why = `${system.code ?? 'failed'}${system.retryable ? ', passing: another attempt may succeed' : ''}`;
    const detail = system.detail ? ` (${system.detail})` : '';
    return [`${who}: ${system.system} failed [${why}]: ${consequence(system)}${detail}.`];
}

function consequence(system: SystemOutcome): string {
    if (system.system === 'entra.revoke')
        return "sign-in sessions were not revoked, so BC sessions cancelled for this user resume on refresh while the user's tokens work";
    if (system.system === 'entra.block') return 'sign-in was not blocked';
    if (system.system.endsWith('.user'))
        return system.statusCode === 401 || system.statusCode === 403
            ? `the BC user was not disabled; ${ADD_APP_TO_ENVIRONMENT}`
            : 'the BC user was not disabled';
    return system.counts && system.counts.residual > 0
        ? `${system.counts.residual} session(s) remain`
        : 'sessions there may remain';
}
