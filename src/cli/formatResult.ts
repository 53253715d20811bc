import type { SignOutResult, SystemOutcome } from '../core/result';

function systemLine(system: SystemOutcome): string {
    const counts = system.counts
        ? ` found ${system.counts.found}, cancelled ${system.counts.cancelled}, residual ${system.counts.residual}`
        : '';
    const hold = system.holdUntil ? ` until ${system.holdUntil}` : '';
    const note = system.code ?? system.detail ?? '';
    return `  ${system.system.padEnd(26)} ${system.status.padEnd(10)}${counts}${hold}${system.heuristic ? ' [heuristic match]' : ''}${note ? `  ${note}` : ''}`.trimEnd();
}

/** One line saying what happened to the request as a whole, with how many users ended how. */
export function formatSummary(result: SignOutResult): string {
    const outcomes = new Map<string, number>();
    for (const user of result.users) outcomes.set(user.outcome, (outcomes.get(user.outcome) ?? 0) + 1);
    const counts = [...outcomes].map(([outcome, count]) => `${count} ${outcome}`).join(', ');
    const users = result.users.length === 1 ? '1 user' : `${result.users.length} users`;
    return `Request ${result.requestId}: ${result.dryRun ? 'preview, ' : ''}${result.status}; ${users}: ${counts}; ran ${result.startedAt} to ${result.finishedAt}`;
}

/**
 * The human report of a result: per user and per system (per environment for Business Central), the environments,
 * and what remains. The layout of `scripts/demo.ts`, so the demo and the CLI read alike.
 */
export function formatResult(result: SignOutResult): string[] {
    const lines: string[] = [];
    for (const user of result.users) {
        lines.push('', `${user.user}: ${user.outcome}${user.detail ? ` (${user.detail})` : ''}`);
        for (const system of user.systems) lines.push(systemLine(system));
    }
    lines.push('', 'Environments:');
    if (result.environments.length === 0) lines.push('  (none)');
    for (const env of result.environments)
        lines.push(`  ${env.name.padEnd(14)} ${env.status}${env.code ? ` (${env.code})` : ''}`);
    lines.push('', 'What remains:');
    if (result.residualRisk.notes.length === 0) lines.push('  (nothing noted)');
    for (const note of result.residualRisk.notes) lines.push(`  - ${note}`);
    return lines;
}
