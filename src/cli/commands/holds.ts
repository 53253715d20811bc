import { parseArgs } from 'node:util';
import { listActiveHolds, type HeldEntry } from '../../core/service/activeHolds';
import { readArguments } from '../arguments';
import { EXIT } from '../exitCodes';
import { usageError } from '../failures';
import { Output } from '../output';
import type { Command } from './command';

const KIND_LABELS: Record<HeldEntry['kind'], string> = {
    'sign-in-blocked': 'sign-in blocked',
    'bc-user-disabled': 'BC user disabled',
    watched: 'watched',
};

/** Two lines an entry: what, whom, until when, by whose request; then how to end it. */
export function formatHolds(entries: readonly HeldEntry[]): string[] {
    if (entries.length === 0) return ['No holds or watches in force.'];
    return entries.flatMap((entry) => {
        const where = entry.environments.length > 0 ? ` in ${entry.environments.join(', ')}` : '';
        const until = entry.until === 'permanent' ? 'permanently' : `until ${entry.until}${entry.due ? ' (due)' : ''}`;
        const by = entry.requestedBy ? ` by ${entry.requestedBy.name ?? entry.requestedBy.id}` : '';
        const why = entry.reason ? `: ${entry.reason}` : '';
        return [
            `${KIND_LABELS[entry.kind]}: ${entry.userPrincipalName}${where}, ${until}; request ${entry.requestId}${by}${why}`,
            `  bc-signout release ${entry.id}`,
        ];
    });
}

export const holdsCommand: Command = {
    name: 'holds',
    summary: 'list who is blocked, has a disabled BC user or is watched, by whose request, until when',
    help: `Usage: bc-signout holds [--json]

Lists every hold and watch in force, as GET /api/holds does: blocked sign-ins, disabled BC users and the sweep's
watches, with the user, the environments, until when ("due" when the sweep ends it on its next pass), the request
and who asked for it. Each entry ends with the command that ends it early (bc-signout release <id>).

Options:
  --json    print { "value": [...] } as GET /api/holds answers

Exit codes: 0 listed.`,

    async run(args, context) {
        const parsed = readArguments(() => parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true }));
        if (!parsed.ok) return usageError(new Output(context.io, args.includes('--json')), 'holds', parsed.message);
        const out = new Output(context.io, parsed.value.values.json === true);
        const entries = await listActiveHolds(await context.dependencies());
        out.document({ value: entries });
        out.lines(formatHolds(entries));
        return EXIT.done;
    },
};
