import { parseArgs } from 'node:util';
import { endEarly, NOT_ENDED } from '../../core/service/earlyRelease';
import { parseHeldId } from '../../core/service/holdIds';
import { readArguments } from '../arguments';
import { cliCaller, cliLeaseOwner } from '../cliIdentity';
import { EXIT } from '../exitCodes';
import { usageError } from '../failures';
import { errorDocument, Output } from '../output';
import type { Command } from './command';

const OUTCOME_LABELS = { released: 'Released', 'left-as-is': 'Left as it is', 'watch-ended': 'Watch ended' } as const;

export const releaseCommand: Command = {
    name: 'release',
    summary: 'end a hold or watch early (ids from bc-signout holds), restoring only what this service changed',
    help: `Usage: bc-signout release <id> [--json]

Ends a hold or a watch before its time, as POST /api/holds/{id}/release does; the id comes from bc-signout holds.
A blocked sign-in or a disabled BC user is released the way the sweep releases a due one: enabled again only when
this service made the change, no other request still holds it, and nobody changed it since (otherwise it is left
as it is, and the reason is printed). A watch stops: the sweep no longer cancels the user's new sessions. Either
is recorded in the request's audit trail with who ended it (the identity the CLI signs in as).

Options:
  --json    print { "id", "outcome", "detail" }

Exit codes: 0 released or watch ended, 2 left as it is (nothing restored; see why), 3 the sweep is running (try
again) or a service failed, 4 not an id, or no hold or watch with this id is in force.`,

    async run(args, context) {
        const parsed = readArguments(() =>
            parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true }),
        );
        if (!parsed.ok) return usageError(new Output(context.io, args.includes('--json')), 'release', parsed.message);
        const out = new Output(context.io, parsed.value.values.json === true);
        const [id, ...extra] = parsed.value.positionals;
        const ref = id !== undefined && extra.length === 0 ? parseHeldId(id) : undefined;
        if (!ref) return usageError(out, 'release', 'name exactly one id, as bc-signout holds prints it');

        const deps = await context.dependencies();
        const outcome = await endEarly(ref, await cliCaller(context.config, context.io.env), cliLeaseOwner(), deps);
        if (outcome.kind === 'not-found') {
            const { code, message, reason } = NOT_ENDED['not-found'];
            out.error(errorDocument(code, message, [{ field: 'id', reason }]), [`bc-signout: ${message}`]);
            return EXIT.invalid;
        }
        if (outcome.kind === 'refused') {
            const { code, field, message } = outcome.refusal;
            out.error(errorDocument(code, message, [{ field, reason: 'is a tenant this caller may not act in' }]), [
                `bc-signout: ${message}`,
            ]);
            return EXIT.invalid;
        }
        if (outcome.kind === 'busy') {
            const { code, message } = NOT_ENDED.busy;
            out.error(errorDocument(code, message), [`bc-signout: ${message}`]);
            return EXIT.failed;
        }
        out.document({ id, outcome: outcome.kind, detail: outcome.detail });
        out.line(`${OUTCOME_LABELS[outcome.kind]}: ${outcome.detail}`);
        return outcome.kind === 'left-as-is' ? EXIT.partial : EXIT.done;
    },
};
