import type { AuditEventInput, AuditStore, AuditTrail } from '../core/ports/auditStore';

/**
 * The audit store as it is, except that every batch appended to a trail is also handed to `listener` once it is
 * written. A Proxy rather than a wrapper class: the port grows while other parts of the project evolve, and only
 * `openTrail` is of interest here.
 */
export function observeAppendedEvents(
    audit: AuditStore,
    listener: (events: readonly AuditEventInput[]) => void,
): AuditStore {
    const observeTrail = (trail: AuditTrail): AuditTrail => ({
        requestId: trail.requestId,
        events: () => trail.events(),
        append: async (events) => {
            const written = await trail.append(events);
            listener(events);
            return written;
        },
    });
    return new Proxy(audit, {
        get(target, property) {
            if (property === 'openTrail')
                return async (requestId: string) => observeTrail(await target.openTrail(requestId));
            const value: unknown = Reflect.get(target, property);
            return typeof value === 'function' ? value.bind(target) : value;
        },
    });
}
