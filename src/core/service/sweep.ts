import { mapWithConcurrency } from '../concurrency';
import { ENTRA_BLOCK } from '../engine/entraActions';
import { asServiceError } from '../engine/discoverEnvironments';
import { protectionReason } from '../engine/guard';
import { holdInForce } from '../engine/holds';
import { sessionBelongsTo } from '../engine/matching';
import {
    PERMANENT_RELEASE_AT,
    type AuditEventInput,
    type HoldRecord,
    type PurgeReport,
    type WatchRecord,
} from '../ports/auditStore';
import type { BcSession } from '../ports/businessCentral';
import { handlePoisonQueue } from './poisonQueue';
import type { ServiceDependencies, TenantServices } from './serviceDependencies';

const SWEEP_LEASE = 'sweep';
const DAY_IN_MS = 86_400_000;

export interface SweepReport {
    skipped?: string;
    watchedUsers: number;
    reconnectsCancelled: number;
    watchesEnded: number;
    holdsReleased: number;
    holdsLeftAsIs: number;
    poisonReported: number;
    poisonResumed: number;
    purged?: PurgeReport;
    failures: string[];
}

/**
 * The scheduled pass: cancels new sessions of watched users (one listing per environment for all of them), ends
 * watches whose window closed, releases expired holds, purges old audit records and reports poisoned messages.
 * A lease keeps overlapping runs from acting twice.
 */
export async function runSweep(owner: string, deps: ServiceDependencies, leaseInMs: number): Promise<SweepReport> {
    const now = deps.now?.() ?? new Date();
    const report: SweepReport = {
        watchedUsers: 0,
        reconnectsCancelled: 0,
        watchesEnded: 0,
        holdsReleased: 0,
        holdsLeftAsIs: 0,
        poisonReported: 0,
        poisonResumed: 0,
        failures: [],
    };
    if (!(await deps.audit.tryAcquireLease(SWEEP_LEASE, owner, leaseInMs, now)))
        return { ...report, skipped: 'another sweep holds the lease' };
    try {
        const deadlineAt = now.getTime() + leaseInMs;
        await sweepWatches(now, deadlineAt, deps, report);
        await releaseHolds(now, deadlineAt, deps, report);
        report.purged = await deps.audit.purgeOlderThan(
            new Date(now.getTime() - deps.settings.retentionDays * DAY_IN_MS),
        );
        const poison = await handlePoisonQueue(now, deps);
        report.poisonResumed = poison.resumed;
        report.poisonReported = poison.deadLettered;
    } finally {
        await deps.audit.releaseLease(SWEEP_LEASE, owner);
    }
    return report;
}

async function appendTo(deps: ServiceDependencies, requestId: string, events: AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    const trail = await deps.audit.openTrail(requestId);
    await trail.append(events);
}

async function sweepWatches(
    now: Date,
    deadlineAt: number,
    deps: ServiceDependencies,
    report: SweepReport,
): Promise<void> {
    const watches = await deps.audit.listWatches();
    const active: WatchRecord[] = [];
    for (const watch of watches) {
        if (Date.parse(watch.until) > now.getTime()) {
            active.push(watch);
            continue;
        }
        await appendTo(deps, watch.requestId, [
            { type: 'watch-ended', user: watch.objectId, detail: `watch window closed at ${watch.until}` },
        ]);
        await deps.audit.deleteWatch(watch.requestId, watch.objectId);
        report.watchesEnded++;
    }
    report.watchedUsers = active.length;
    const byTenant = new Map<string, WatchRecord[]>();
    for (const watch of active) byTenant.set(watch.tenantId, [...(byTenant.get(watch.tenantId) ?? []), watch]);
    for (const [tenantId, tenantWatches] of byTenant) {
        const services = deps.tenantServices(tenantId, deadlineAt);
        const allowed = await dropProtected(tenantWatches, services, deps, report);
        await cancelReconnects(allowed, services, deps, report);
    }
}

/** The protected list may have grown since the request: such users leave the watch untouched. */
async function dropProtected(
    watches: WatchRecord[],
    services: TenantServices,
    deps: ServiceDependencies,
    report: SweepReport,
): Promise<WatchRecord[]> {
    const policy = deps.settings.engine;
    const groups =
        policy.protectedGroupIds.length > 0
            ? await services.directory.checkMemberGroups(
                  watches.map((w) => w.objectId),
                  policy.protectedGroupIds,
              )
            : undefined;
    const allowed: WatchRecord[] = [];
    for (const watch of watches) {
        const membership = groups?.get(watch.objectId);
        const memberOf = membership === undefined ? [] : membership.ok ? membership.value : 'unknown';
        const user = {
            id: watch.objectId,
            userPrincipalName: watch.userPrincipalName,
            mail: null,
            userType: null,
            accountEnabled: null,
            signInSessionsValidFromDateTime: null,
        };
        const reason = protectionReason(watch.userPrincipalName, user, policy, memberOf);
        if (!reason) {
            allowed.push(watch);
            continue;
        }
        await appendTo(deps, watch.requestId, [
            { type: 'watch-dropped', user: watch.objectId, status: 'protected', detail: reason },
        ]);
        await deps.audit.deleteWatch(watch.requestId, watch.objectId);
        report.failures.push(`watch of ${watch.userPrincipalName} dropped: ${reason}`);
    }
    return allowed;
}

async function cancelReconnects(
    watches: WatchRecord[],
    services: TenantServices,
    deps: ServiceDependencies,
    report: SweepReport,
): Promise<void> {
    const environments = new Map<string, { family: string; name: string }>();
    for (const watch of watches)
        for (const name of watch.environments)
            environments.set(`${watch.applicationFamily}/${name}`.toLowerCase(), {
                family: watch.applicationFamily,
                name,
            });
    await mapWithConcurrency(
        [...environments.values()],
        deps.settings.engine.bcConcurrency,
        async ({ family, name }) => {
            const ref = { applicationFamily: family, name };
            let sessions: BcSession[];
            try {
                sessions = await services.bcAdmin.listSessions(ref);
            } catch (error) {
                report.failures.push(`listing sessions of ${name} failed: ${asServiceError(error).code}`);
                return;
            }
            for (const watch of watches.filter(
                (w) => w.applicationFamily === family && w.environments.includes(name),
            )) {
                const names = watch.sessionUserNames[name] ?? [];
                const events: AuditEventInput[] = [];
                for (const session of sessions.filter((s) => sessionBelongsTo(s, names))) {
                    try {
                        const result = await services.bcAdmin.deleteSession(ref, session.sessionId);
                        if (result === 'cancelled') report.reconnectsCancelled++;
                        events.push({
                            type: 'reconnect-cancelled',
                            user: watch.objectId,
                            system: `bc.${name}.sessions`,
                            status: result,
                            data: {
                                environment: name,
                                sessionId: session.sessionId,
                                clientType: session.clientType ?? null,
                                logOnDate: session.logOnDate ?? null,
                                heuristic: watch.heuristic,
                            },
                        });
                    } catch (error) {
                        report.failures.push(
                            `cancelling session ${session.sessionId} in ${name} failed: ${asServiceError(error).code}`,
                        );
                    }
                }
                await appendTo(deps, watch.requestId, events);
            }
        },
    );
}

/** Restores a prior state only if this service made the change and the current state is still what it set. */
async function releaseHolds(
    now: Date,
    deadlineAt: number,
    deps: ServiceDependencies,
    report: SweepReport,
): Promise<void> {
    for (const hold of await deps.audit.listDueHolds(now)) {
        const services = deps.tenantServices(hold.tenantId, deadlineAt);
        try {
            const verdict = await releaseHold(hold, now, services, deps);
            await appendTo(deps, hold.requestId, [
                {
                    type: verdict.released ? 'hold-released' : 'hold-left-as-is',
                    user: hold.objectId,
                    system: hold.kind === 'entra-block' ? ENTRA_BLOCK : `bc.${hold.environment}.user`,
                    status: verdict.released ? 'released' : 'left-as-is',
                    detail: verdict.why,
                },
            ]);
            await deps.audit.deleteHold(hold);
            if (verdict.released) report.holdsReleased++;
            else report.holdsLeftAsIs++;
        } catch (error) {
            report.failures.push(
                `releasing ${hold.kind} of ${hold.userPrincipalName} failed: ${asServiceError(error).code}; will retry`,
            );
        }
    }
}

/** A hold another request still keeps on the same thing is not this release's to undo. */
async function releaseHold(
    hold: HoldRecord,
    now: Date,
    services: TenantServices,
    deps: ServiceDependencies,
): Promise<ReleaseVerdict> {
    const other = holdInForce(
        await deps.audit.listHoldsFor(hold.objectId),
        hold.kind,
        hold.environment,
        now,
        hold.requestId,
    );
    if (other)
        return {
            released: false,
            why: `request ${other.requestId} still holds it until ${other.releaseAt === PERMANENT_RELEASE_AT ? 'further notice' : other.releaseAt}`,
        };
    return hold.kind === 'entra-block' ? releaseEntraBlock(hold, services) : releaseBcDisable(hold, services);
}

interface ReleaseVerdict {
    released: boolean;
    why: string;
}

async function releaseEntraBlock(hold: HoldRecord, services: TenantServices): Promise<ReleaseVerdict> {
    if (hold.prior !== 'true')
        return {
            released: false,
            why: `sign-in was ${hold.prior === 'false' ? 'already blocked' : 'in an unknown state'} before; not ours to enable`,
        };
    const current = (await services.directory.getUsers([hold.objectId])).get(hold.objectId);
    if (!current?.ok) throw current?.error ?? new Error('no answer');
    if (current.value.accountEnabled !== false)
        return { released: false, why: 'sign-in is no longer blocked: someone changed it since; left as is' };
    const answer = (await services.directory.setAccountEnabled([hold.objectId], true)).get(hold.objectId);
    if (!answer?.ok) throw answer?.error ?? new Error('no answer');
    return { released: true, why: `sign-in unblocked; the hold ended at ${hold.releaseAt}` };
}

async function releaseBcDisable(hold: HoldRecord, services: TenantServices): Promise<ReleaseVerdict> {
    if (!hold.environment || !hold.bcUserSecurityId)
        return { released: false, why: 'the hold does not name a BC user' };
    if (hold.prior !== 'Enabled')
        return { released: false, why: `the BC user was ${hold.prior} before; not ours to enable` };
    const current = await services.bcAutomation.getUser(hold.environment, hold.bcUserSecurityId);
    if (!current) return { released: false, why: 'the BC user no longer exists' };
    if (current.state !== 'Disabled')
        return { released: false, why: `the BC user is ${current.state} now: someone changed it since; left as is` };
    await services.bcAutomation.setUserState(hold.environment, current, 'Enabled');
    return { released: true, why: `BC user enabled again; the hold ended at ${hold.releaseAt}` };
}
