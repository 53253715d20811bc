import { parseArgs } from 'node:util';
import { createDoctorProbes } from '../../composition/doctorProbes';
import { runDoctor, type CheckStatus, type DoctorReport } from '../../core/doctor/runDoctor';
import { readArguments } from '../arguments';
import { EXIT } from '../exitCodes';
import { usageError } from '../failures';
import { Output } from '../output';
import type { Command } from './command';
import { groupBy } from '../../core/groupBy';

const MARKS: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '–' };

/** One line a check, its fix under it; grouped by tenant, then what the deployment shares. */
export function formatDoctor(report: DoctorReport): string[] {
    const groups = groupBy(report.checks, (check) =>
        check.tenantId ? `Tenant ${check.tenantId}` : 'Storage and clock',
    );
    const failed = report.checks.filter((check) => check.status === 'fail').length;
    return [
        ...[...groups].flatMap(([group, checks]) => [
            group,
            ...checks.flatMap((check) => [
                `  ${MARKS[check.status]} ${check.title}: ${check.detail}`,
                ...(check.fix ? [`      fix: ${check.fix}`] : []),
            ]),
            '',
        ]),
        report.ok
            ? 'Every needed prerequisite passes.'
            : `${failed} needed prerequisite(s) fail: nothing is sure to work until they are fixed.`,
    ];
}

export const doctorCommand: Command = {
    name: 'doctor',
    summary: 'check every prerequisite by its effect (permissions, admin center, environments, guard, storage, clock)',
    help: `Usage: bc-signout doctor [--json]

Checks what the service needs, each by its effect, with the configuration the CLI reads, and prints one line per
check (✓ works, ✗ needed and failing, ! optional or worth a look, – not checked) with the fix under it:
  - per served tenant: a fresh app token for Microsoft Graph and for Business Central, and whether its roles hold
    each permission the configuration needs (docs/permissions.md); the Business Central admin center lists the
    environments (the app is authorised there); each active environment's Automation API answers (the app is on
    the environment's Microsoft Entra Applications page); every protected entry resolves;
  - the audit tables and the request queue open; this machine's clock agrees with the token authority's.
GET /api/doctor runs the same checks in the deployed app, with its identity.

Options:
  --json    print the report: { "ok", "checkedAt", "checks": [{ "tenantId", "title", "status", "detail", "fix" }] }

Exit codes: 0 every needed prerequisite passes, 2 some fail (listed with their fix).`,

    async run(args, context) {
        const parsed = readArguments(() => parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true }));
        if (!parsed.ok) return usageError(new Output(context.io, args.includes('--json')), 'doctor', parsed.message);
        const out = new Output(context.io, parsed.value.values.json === true);
        const report = await runDoctor(createDoctorProbes(context.config));
        out.document(report);
        out.lines(formatDoctor(report));
        return report.ok ? EXIT.done : EXIT.partial;
    },
};
