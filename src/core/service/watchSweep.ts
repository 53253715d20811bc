import { asServiceError } from '../engine/discoverEnvironments';
import { resolveIdentities } from '../engine/identities';
import { automationAnswerOf, indexSessions, sessionsNamed, type SessionIndex } from '../engine/matching';
import { watchIdentityOf } from '../engine/watchIdentity';
import { failureName } from '../errors';
import { guardUsers, type ProtectedSet } from '../guard/protectedSet';
import { quoted } from '../logText';
import type { AuditEventInput, WatchIdentity, WatchRecord } from '../ports/auditStore';
import type { DirectoryUser } from '../ports/directory';
import { telemetryOf, type ServiceDependencies, type TenantServices } from './serviceDependencies';
import { groupBy } from '../groupBy';
import { sessionsSystem } from '../engine/bcActions';

/**
 * A watch whose last good pass is older than this when its window closes may have missed reconnects: it is
 * reported `watch-lapsed` (three runs of the default five-minute schedule).
 */
export const WATCH_LAPSE_TOLERANCE_IN_MS = 15 * 60_000;

export interface WatchSweepReport {
    watchedUsers: number;
    reconnectsCancelled: number;
    watchesEnded: number;
    watchesLapsed: number;
    /** Watches kept but not acted on this pass, because something needed to judge them was unknown. */
    watchesSkipped: number;
    /** Tenants none of whose watches could be checked (their guard, Graph or storage failed): the sweep is unhealthy. */
    tenantsSkipped: number;
    failures: string[];
}

const watchKey = (watch: Pick<WatchRecord, 'requestId' | 'objectId'>) => `${watch.requestId}|${watch.objectId}`;

async function appendTo(deps: ServiceDependencies, requestId: string, events: AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    const trail = await deps.audit.openTrail(requestId);
    await trail.append(events);
}

/**
 * Cancels watched users' new sessions (one listing per environment for all of them), with the request's own rules
 * of whose sessions are whose. A watch ends only when its window closes or its user is positively protected: when
 * anything needed to judge it is unknown (guard, Graph, BC, storage) it is kept and skipped this pass, with a
 * warning, and a watch that could not be checked through the end of its window is reported `watch-lapsed`.
 */
export async function sweepWatches(
    now: Date,
    deadlineAt: number,
    deps: ServiceDependencies,
    report: WatchSweepReport,
): Promise<void> {
    const active: WatchRecord[] = [];
    for (const watch of await deps.audit.listWatches()) {
        if (Date.parse(watch.until) > now.getTime()) active.push(watch);
        else await endWatch(watch, deps, report).catch((error: unknown) => warn(report, watch, error));
    }
    report.watchedUsers = active.length;
    for (const [tenantId, watches] of groupBy(active, (watch) => watch.tenantId)) {
        const dropped = new Set<string>();
        const checked = await telemetryOf(deps)
            .span('sweep.tenant', { tenantId, itemCount: watches.length }, () =>
                sweepTenant(tenantId, watches, deadlineAt, deps, report, dropped),
            )
            .catch((error: unknown) => {
                report.tenantsSkipped++;
                report.failures.push(`watches of tenant ${tenantId} skipped this pass: ${failureName(error)}`);
                return new Set<string>();
            });
        await recordCoverage(
            watches.filter((watch) => !dropped.has(watchKey(watch))),
            checked,
            now,
            deps,
            report,
        );
    }
}

async function endWatch(watch: WatchRecord, deps: ServiceDependencies, report: WatchSweepReport): Promise<void> {
    const lapsedSince =
        watch.skippedSince && Date.parse(watch.until) - Date.parse(watch.skippedSince) > WATCH_LAPSE_TOLERANCE_IN_MS
            ? watch.skippedSince
            : undefined;
    await appendTo(deps, watch.requestId, [
        ...(lapsedSince
            ? [
                  {
                      type: 'watch-lapsed',
                      user: watch.objectId,
                      status: 'lapsed',
                      detail: `the watch could not be checked from ${lapsedSince} until its window closed at ${watch.until}: reconnects in that time may not have been cancelled`,
                  },
              ]
            : []),
        { type: 'watch-ended', user: watch.objectId, detail: `watch window closed at ${watch.until}` },
    ]);
    await deps.audit.deleteWatch(watch.requestId, watch.objectId);
    report.watchesEnded++;
    if (lapsedSince) {
        report.watchesLapsed++;
        report.failures.push(
            `watch of ${watch.userPrincipalName} (request ${watch.requestId}) lapsed: unchecked since ${lapsedSince}`,
        );
        const telemetry = telemetryOf(deps);
        telemetry.count('signout.watches.lapsed', 1);
        telemetry.log({
            level: 'warning',
            event: 'watch-lapsed',
            requestId: watch.requestId,
            tenantId: watch.tenantId,
            status: 'lapsed',
            message: `a watch of request ${quoted(watch.requestId)} lapsed: it could not be checked from ${lapsedSince} until its window closed at ${watch.until}`,
        });
    }
}

/** The keys of the watches checked this pass; `dropped` collects those ended because their user is protected. */
async function sweepTenant(
    tenantId: string,
    watches: WatchRecord[],
    deadlineAt: number,
    deps: ServiceDependencies,
    report: WatchSweepReport,
    dropped: Set<string>,
): Promise<Set<string>> {
    const services = deps.tenantServices(tenantId, deadlineAt);
    const protectedSet = await currentProtectedSet(tenantId, deadlineAt, deps);
    const allowed = await dropProtected(watches, protectedSet, services, deps, report, dropped);
    return cancelReconnects(allowed, services, deps, report);
}

/** The sweep re-checks the configuration: a fresh set, or the last good one while it is still within its lifetime. */
async function currentProtectedSet(
    tenantId: string,
    deadlineAt: number,
    deps: ServiceDependencies,
): Promise<ProtectedSet> {
    try {
        return await deps.protectedSets.refresh(tenantId);
    } catch {
        return deps.protectedSets.get(tenantId, { waitUntil: deadlineAt });
    }
}

/** A user who is protected now (the protected set may have grown) leaves the watch, untouched. */
async function dropProtected(
    watches: WatchRecord[],
    protectedSet: ProtectedSet,
    services: TenantServices,
    deps: ServiceDependencies,
    report: WatchSweepReport,
    dropped: Set<string>,
): Promise<WatchRecord[]> {
    const protections = await guardUsers(
        protectedSet,
        watches.map((watch) => ({ id: watch.objectId, userPrincipalName: watch.userPrincipalName, mail: watch.mail })),
        services.directory,
    );
    const allowed: WatchRecord[] = [];
    for (const watch of watches) {
        const protection = protections.get(watch.objectId);
        if (protection?.kind === 'eligible') allowed.push(watch);
        else if (protection?.kind === 'protected') {
            await appendTo(deps, watch.requestId, [
                { type: 'watch-dropped', user: watch.objectId, status: 'protected', detail: protection.reason },
            ]);
            await deps.audit.deleteWatch(watch.requestId, watch.objectId);
            dropped.add(watchKey(watch));
            report.failures.push(`watch of ${watch.userPrincipalName} dropped: ${protection.reason}`);
        } else {
            warn(report, watch, protection?.kind === 'unknown' ? protection.error : 'not guarded');
        }
    }
    return allowed;
}

interface WatchedEnvironment {
    family: string;
    name: string;
    watches: WatchRecord[];
}

async function cancelReconnects(
    watches: WatchRecord[],
    services: TenantServices,
    deps: ServiceDependencies,
    report: WatchSweepReport,
): Promise<Set<string>> {
    const environments = new Map<string, WatchedEnvironment>();
    for (const watch of watches)
        for (const name of watch.environments) {
            const key = `${watch.applicationFamily}/${name}`.toLowerCase();
            const env = environments.get(key) ?? { family: watch.applicationFamily, name, watches: [] };
            env.watches.push(watch);
            environments.set(key, env);
        }
    // A watch is checked when every one of its environments was; one failure anywhere skips it this pass.
    const failed = new Set<string>();
    // Environments side by side: each one's calls are bounded by its own limit, in the adapter.
    await Promise.all(
        [...environments.values()].map(async (env) => {
            try {
                await sweepEnvironment(env, services, deps, report, failed);
            } catch (error) {
                report.failures.push(`environment ${env.name} skipped this pass: ${failureName(error)}`);
                for (const watch of env.watches) failed.add(watchKey(watch));
            }
        }),
    );
    return new Set(watches.map(watchKey).filter((key) => !failed.has(key)));
}

async function sweepEnvironment(
    env: WatchedEnvironment,
    services: TenantServices,
    deps: ServiceDependencies,
    report: WatchSweepReport,
    failed: Set<string>,
): Promise<void> {
    const ref = { applicationFamily: env.family, name: env.name };
    const index = indexSessions(await services.bcAdmin.listSessions(ref));
    const identities = await identitiesIn(env, index, services, deps);
    await Promise.all(
        env.watches.map(async (watch) => {
            const identity = identities.get(watch.objectId) ?? watch.identities[env.name];
            const events: AuditEventInput[] = [];
            for (const session of sessionsNamed(index, identity?.names ?? [])) {
                try {
                    const result = await services.bcAdmin.deleteSession(ref, session.sessionId);
                    if (result === 'cancelled') {
                        report.reconnectsCancelled++;
                        telemetryOf(deps).count('signout.reconnects.cancelled', 1);
                    }
                    events.push({
                        type: 'reconnect-cancelled',
                        user: watch.objectId,
                        system: sessionsSystem(env.name),
                        status: result,
                        data: {
                            environment: env.name,
                            sessionId: session.sessionId,
                            sessionUser: session.userId,
                            clientType: session.clientType ?? null,
                            logOnDate: session.logOnDate ?? null,
                            identity: identity?.source ?? 'unresolved',
                        },
                    });
                } catch (error) {
                    failed.add(watchKey(watch));
                    report.failures.push(
                        `cancelling session ${session.sessionId} in ${env.name} failed: ${failureName(error)}`,
                    );
                }
            }
            await appendTo(deps, watch.requestId, events);
        }),
    );
}

/**
 * Identities the request could not settle (`unresolved`) are decided again with the request's rules, from a fresh
 * Automation API listing; a settled one is kept on the watch so later passes reuse it.
 */
async function identitiesIn(
    env: WatchedEnvironment,
    index: SessionIndex,
    services: TenantServices,
    deps: ServiceDependencies,
): Promise<Map<string, WatchIdentity>> {
    const open = env.watches.filter((watch) => (watch.identities[env.name]?.source ?? 'unresolved') === 'unresolved');
    if (open.length === 0) return new Map();
    const bcUsers = await services.bcAutomation.listUsers(env.name).catch(asServiceError);
    const users: DirectoryUser[] = open.map((watch) => ({
        id: watch.objectId,
        userPrincipalName: watch.userPrincipalName,
        mail: watch.mail,
        userType: null,
        accountEnabled: null,
        signInSessionsValidFromDateTime: null,
    }));
    const decided = (
        await resolveIdentities(
            [{ name: env.name, index, automation: automationAnswerOf(bcUsers) }],
            users,
            services.directory,
        )
    ).get(env.name)!;
    const identities = new Map<string, WatchIdentity>();
    for (const watch of open) {
        const identity = watchIdentityOf(decided.get(watch.objectId));
        identities.set(watch.objectId, identity);
        if (identity.source === 'unresolved') continue;
        // Kept on the record in hand too, so a later write of this watch in the same pass does not undo it.
        watch.identities = { ...watch.identities, [env.name]: identity };
        await deps.audit.upsertWatch(watch);
        await appendTo(deps, watch.requestId, [
            {
                type: 'watch-identity-resolved',
                user: watch.objectId,
                system: sessionsSystem(env.name),
                detail: identity.why,
            },
        ]);
    }
    return identities;
}

/** Writes only changes of coverage: when a watch starts being skipped, and when it is checked again. */
async function recordCoverage(
    watches: readonly WatchRecord[],
    checked: ReadonlySet<string>,
    now: Date,
    deps: ServiceDependencies,
    report: WatchSweepReport,
): Promise<void> {
    for (const watch of watches) {
        const ok = checked.has(watchKey(watch));
        if (!ok) report.watchesSkipped++;
        if (ok === !watch.skippedSince) continue;
        const { skippedSince: _skippedSince, ...rest } = watch;
        const next: WatchRecord = ok ? rest : { ...watch, skippedSince: now.toISOString() };
        await deps.audit.upsertWatch(next).catch((error: unknown) => warn(report, watch, error));
    }
}

function warn(report: WatchSweepReport, watch: WatchRecord, error: unknown): void {
    report.failures.push(
        `watch of ${watch.userPrincipalName} (request ${watch.requestId}) kept and skipped this pass: ${failureName(error)}`,
    );
}
