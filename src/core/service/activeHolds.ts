import { PERMANENT_RELEASE_AT, type Caller, type HoldRecord, type WatchRecord } from '../ports/auditStore';
import { heldIdOf } from './holdIds';
import type { ServiceDependencies } from './serviceDependencies';

/** One thing this service keeps doing to a user until a time: a block, a disabled BC user, or a watch. */
export interface HeldEntry {
    /** Opaque; `POST /api/holds/{id}/release` (or `bc-signout release <id>`) ends it early. */
    id: string;
    kind: 'sign-in-blocked' | 'bc-user-disabled' | 'watched';
    tenantId: string;
    requestId: string;
    objectId: string;
    userPrincipalName: string;
    /** The environment of a disabled BC user; the environments a watch cancels reconnects in. */
    environments: string[];
    /** When this service made the change (holds only). */
    since?: string;
    /** ISO time, or `permanent`. */
    until: string;
    /** Past `until`: the sweep ends it on its next pass. */
    due: boolean;
    /** Who asked for it: the request's caller, as its audit recorded them; absent when the record is gone. */
    requestedBy?: Pick<Caller, 'kind' | 'id' | 'name' | 'verified'>;
    reason?: string;
    ticketNumber?: string;
}

/** Every hold and watch in force, with the request behind it; sorted by when they end. */
export async function listActiveHolds(deps: ServiceDependencies): Promise<HeldEntry[]> {
    const now = (deps.now?.() ?? new Date()).getTime();
    const [holds, watches] = await Promise.all([deps.audit.listHolds(), deps.audit.listWatches()]);
    const requestIds = [...new Set([...holds, ...watches].map((entry) => entry.requestId))];
    const records = new Map(
        await Promise.all(requestIds.map(async (id) => [id, await deps.audit.getRequest(id)] as const)),
    );
    const entries = [...holds.map(holdEntry), ...watches.map(watchEntry)].map((entry) => {
        const record = records.get(entry.requestId);
        const caller = record?.caller;
        return {
            ...entry,
            due: entry.until !== 'permanent' && Date.parse(entry.until) <= now,
            ...(caller && {
                requestedBy: {
                    kind: caller.kind,
                    id: caller.id,
                    ...(caller.name !== undefined && { name: caller.name }),
                    verified: caller.verified,
                },
            }),
            ...(record?.reason !== undefined && { reason: record.reason }),
            ...(record?.ticketNumber !== undefined && { ticketNumber: record.ticketNumber }),
        };
    });
    return entries.sort((a, b) => untilOrder(a.until) - untilOrder(b.until) || a.id.localeCompare(b.id));
}

type BareEntry = Omit<HeldEntry, 'due' | 'requestedBy' | 'reason' | 'ticketNumber'>;

function holdEntry(hold: HoldRecord): BareEntry {
    return {
        id: heldIdOf({
            kind: 'hold',
            requestId: hold.requestId,
            holdKind: hold.kind,
            objectId: hold.objectId,
            ...(hold.environment !== undefined && { environment: hold.environment }),
        }),
        kind: hold.kind === 'entra-block' ? 'sign-in-blocked' : 'bc-user-disabled',
        tenantId: hold.tenantId,
        requestId: hold.requestId,
        objectId: hold.objectId,
        userPrincipalName: hold.userPrincipalName,
        environments: hold.environment ? [hold.environment] : [],
        since: hold.changedAt,
        until: hold.releaseAt === PERMANENT_RELEASE_AT ? 'permanent' : hold.releaseAt,
    };
}

function watchEntry(watch: WatchRecord): BareEntry {
    return {
        id: heldIdOf({ kind: 'watch', requestId: watch.requestId, objectId: watch.objectId }),
        kind: 'watched',
        tenantId: watch.tenantId,
        requestId: watch.requestId,
        objectId: watch.objectId,
        userPrincipalName: watch.userPrincipalName,
        environments: watch.environments,
        until: watch.until,
    };
}

const untilOrder = (until: string) => (until === 'permanent' ? Number.POSITIVE_INFINITY : Date.parse(until));
