import { ENTRA_BLOCK } from '../engine/entraActions';
import { holdInForce } from '../engine/holds';
import { failureName, ServiceError } from '../errors';
import { PERMANENT_RELEASE_AT, type Caller, type HoldRecord } from '../ports/auditStore';
import { telemetryOf, type ServiceDependencies, type TenantServices } from './serviceDependencies';

export interface HoldReleaseReport {
    holdsReleased: number;
    holdsLeftAsIs: number;
    failures: string[];
}

export interface ReleaseVerdict {
    released: boolean;
    why: string;
}

/**
 * Releases holds that are due. A prior state is restored only when this service made the change, no other request
 * still holds it, the current state is still what it set, and (where the directory audit log can be read) nobody
 * else changed it since. Anything unknown keeps the hold for the next pass.
 */
export async function releaseDueHolds(
    now: Date,
    deadlineAt: number,
    deps: ServiceDependencies,
    report: HoldReleaseReport,
): Promise<void> {
    const telemetry = telemetryOf(deps);
    for (const hold of await deps.audit.listDueHolds(now)) {
        try {
            const verdict = await telemetry.span(
                'hold.release',
                { requestId: hold.requestId, tenantId: hold.tenantId },
                async (span) => {
                    const decided = await settleHold(hold, now, deadlineAt, deps);
                    span.set({ status: decided.released ? 'released' : 'left-as-is' });
                    return decided;
                },
            );
            if (verdict.released) report.holdsReleased++;
            else report.holdsLeftAsIs++;
        } catch (error) {
            report.failures.push(
                `releasing ${hold.kind} of ${hold.userPrincipalName} failed: ${failureName(error)}; will retry`,
            );
        }
    }
}

/**
 * Ends one hold: releases it (or leaves the state as it is, saying why), records that in the request's trail and
 * removes the hold. `endedEarlyBy` is the admin who ended it before its time. A failure leaves the hold for later.
 */
export async function settleHold(
    hold: HoldRecord,
    now: Date,
    deadlineAt: number,
    deps: ServiceDependencies,
    endedEarlyBy?: Caller,
): Promise<ReleaseVerdict> {
    // The trail first: storage that cannot be read stops the release before anything is changed, so a later pass
    // does not find the account enabled by this service and call it someone else's change.
    const trail = await deps.audit.openTrail(hold.requestId);
    const verdict = await releaseHold(hold, now, deps.tenantServices(hold.tenantId, deadlineAt), deps);
    await trail.append([
        {
            type: verdict.released ? 'hold-released' : 'hold-left-as-is',
            user: hold.objectId,
            system: hold.kind === 'entra-block' ? ENTRA_BLOCK : `bc.${hold.environment}.user`,
            status: verdict.released ? 'released' : 'left-as-is',
            detail: endedEarlyBy ? `ended early by ${callerName(endedEarlyBy)}: ${verdict.why}` : verdict.why,
            ...(endedEarlyBy && { data: { endedEarlyBy } }),
        },
    ]);
    await deps.audit.deleteHold(hold);
    return verdict;
}

/** How the audit names the admin who ended a hold or watch early. */
export function callerName(caller: Caller): string {
    return caller.name && caller.name !== caller.id ? `${caller.name} (${caller.id})` : caller.id;
}

/** A hold another request still keeps on the same thing is not this release's to undo. */
export async function releaseHold(
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
    return hold.kind === 'entra-block'
        ? releaseEntraBlock(hold, services, deps.settings.serviceIdentityIds)
        : releaseBcDisable(hold, services);
}

async function releaseEntraBlock(
    hold: HoldRecord,
    services: TenantServices,
    ourIds: readonly string[],
): Promise<ReleaseVerdict> {
    if (hold.prior !== 'true')
        return {
            released: false,
            why: `sign-in was ${hold.prior === 'false' ? 'already blocked' : 'in an unknown state'} before; not ours to enable`,
        };
    const current = (await services.directory.getUsers([hold.objectId])).get(hold.objectId);
    if (!current?.ok) throw current?.error ?? new Error('no answer');
    if (current.value.accountEnabled !== false)
        return { released: false, why: 'sign-in is no longer blocked: someone changed it since; left as is' };
    const audit = await changesByOthers(hold, services, ourIds);
    if (audit.changedBy)
        return {
            released: false,
            why: `sign-in was changed by ${audit.changedBy} since this service blocked it (directory audit log); left as is`,
        };
    const answer = (await services.directory.setAccountEnabled([hold.objectId], true)).get(hold.objectId);
    if (!answer?.ok) throw answer?.error ?? new Error('no answer');
    return { released: true, why: `sign-in unblocked; the hold ended at ${hold.releaseAt}${audit.note}` };
}

/**
 * Who else changed `accountEnabled` since this service did, per the directory audit log (platform-facts §11).
 * Without AuditLog.Read.All (403) the check is skipped and the release says so: the current state is then the
 * only evidence, which cannot see someone who blocked and unblocked in between.
 */
async function changesByOthers(
    hold: HoldRecord,
    services: TenantServices,
    ourIds: readonly string[],
): Promise<{ changedBy?: string; note: string }> {
    let changes;
    try {
        changes = await services.directory.listAccountEnabledChanges(hold.objectId, new Date(hold.changedAt));
    } catch (error) {
        if (error instanceof ServiceError && error.statusCode === 403)
            return { note: '; the directory audit log was not checked (AuditLog.Read.All is not granted)' };
        throw error;
    }
    const ours = new Set(ourIds.map((id) => id.toLowerCase()));
    const other = changes.find(
        (change) =>
            !(change.appId && ours.has(change.appId)) &&
            !(change.servicePrincipalId && ours.has(change.servicePrincipalId)),
    );
    if (!other) return { note: '' };
    return { changedBy: `${other.userPrincipalName ?? other.appId ?? 'another identity'} at ${other.at}`, note: '' };
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
