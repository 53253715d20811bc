import { admissionRefusal } from '../../core/callers/admission';
import { claimRequest, conflictMessage } from '../../core/service/acceptRequest';
import { FINAL_STATES } from '../../core/result';
import { cliCaller } from '../cliIdentity';
import { EXIT } from '../exitCodes';
import { refused } from '../failures';
import { errorDocument } from '../output';
import { progressPlanOf } from '../progress';
import { reportRecord } from '../reportRecord';
import { readRequest } from '../readRequest';
import { REQUEST_OPTIONS_HELP } from '../requestOptions';
import { runClaimedRequest } from '../runRequest';
import type { Command } from './command';

export const signoutCommand: Command = {
    name: 'signout',
    summary: 'sign users out now and wait for the result (Entra, every BC environment, audit)',
    help: `Usage: bc-signout signout --user <upn|objectId> [--user ...] [--users-file file.csv] [-] --reason <text> [options]

Signs the users out in this process, as the queue worker would: validates the request, claims its id in the audit
store (source "cli", caller: the Entra identity the CLI signs in as, and <os user>@<host>), runs it, and prints what
was done per user, system and environment. Protected users (PROTECTED_USERS, PROTECTED_GROUP_IDS, the service's own
identity) are never touched.

${REQUEST_OPTIONS_HELP}

Examples:
  bc-signout signout --user alice@contoso.com --reason "Stolen laptop" --ticket servicenow:INC0012345
  bc-signout signout --users-file export.csv --column "User principal name" --reason "Leavers" --env PRODUCTION --disable-bc 2h
  az ad group member list -g Contractors --query "[].userPrincipalName" -o tsv | bc-signout signout - --reason "Contract ended" --block permanent

Exit codes: 0 completed, 2 partial, or the request id is already used by a different request (nothing was done),
3 failed (also when the run stopped; resume with bc-signout resume <id>), 4 bad input or refused (nothing was done).`,

    async run(args, context) {
        const now = new Date();
        const read = await readRequest('signout', args, context, now);
        if (!read.ok) return read.exitCode;
        const { out, request } = read;

        const deps = await context.dependencies();
        const caller = await cliCaller(context.config, context.io.env, request.value.tenantId);
        const refusal = admissionRefusal(request.value, caller, deps.settings.callers);
        if (refusal) return refused(out, refusal);
        const claimed = await claimRequest(request, caller, 'cli', deps, now);
        const record = claimed.record;
        if (claimed.kind === 'conflict') {
            const message = conflictMessage(record.requestId);
            out.error(errorDocument('request-id-conflict', message, [], record.requestId), [`bc-signout: ${message}`]);
            return EXIT.partial;
        }
        if (claimed.kind === 'duplicate') {
            out.note(
                `Request ${record.requestId} is already known (${record.state}, from ${record.source}); it is not claimed twice.`,
            );
            if (FINAL_STATES.includes(record.state))
                return reportRecord(record, out, { config: context.config, env: context.io.env });
        }
        const known = record.request ?? request.value;
        const users = known.users.length === 1 ? '1 user' : `${known.users.length} users`;
        out.note(`Signing out ${users}; request ${known.requestId}`);
        return runClaimedRequest(known.requestId, deps, out, context, {
            label: `signing out ${users}`,
            plan: progressPlanOf(known),
            lastAttempt: false,
        });
    },
};
