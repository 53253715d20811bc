import type { TableEntity } from '@azure/data-tables';
import type { HoldKind, HoldRecord } from '../../core/ports/auditStore';
import type { EntityProperties } from './entityCodec';
import { optionalString, requiredString } from './entityFields';
import { checkedKey, encodeKey, requestKeyOf, timeOf } from './keys';

export type HoldKey = Pick<HoldRecord, 'requestId' | 'kind' | 'objectId' | 'environment'>;

/**
 * Holds: partition = request, row = `kind|objectId|environment` (object id lower-case, environment empty for
 * Entra holds). `|` is escaped inside each part by `encodeKey`, so the parts never run into each other.
 */
export function holdKeys(hold: HoldKey): { partitionKey: string; rowKey: string } {
    const parts = [hold.kind, hold.objectId.toLowerCase(), hold.environment ?? ''].map(encodeKey);
    return { partitionKey: requestKeyOf(hold.requestId), rowKey: checkedKey(parts.join('|'), 'hold') };
}

/**
 * `releaseAt` is kept as given and again as an `Edm.DateTime` (`releaseAtTime`), which the due-holds query
 * filters on: ISO strings with different offsets or precisions would not compare correctly as text.
 */
export function holdEntity(hold: HoldRecord): TableEntity<EntityProperties> {
    return {
        ...holdKeys(hold),
        requestId: hold.requestId,
        tenantId: hold.tenantId,
        kind: hold.kind,
        objectId: hold.objectId,
        userPrincipalName: hold.userPrincipalName,
        ...(hold.environment !== undefined && { environment: hold.environment }),
        ...(hold.bcUserSecurityId !== undefined && { bcUserSecurityId: hold.bcUserSecurityId }),
        prior: hold.prior,
        setTo: hold.setTo,
        changedAt: hold.changedAt,
        releaseAt: hold.releaseAt,
        releaseAtTime: new Date(timeOf(hold.releaseAt, 'releaseAt')),
    };
}

export function decodeHold(entity: Record<string, unknown>): HoldRecord {
    const environment = optionalString(entity, 'environment');
    const bcUserSecurityId = optionalString(entity, 'bcUserSecurityId');
    return {
        requestId: requiredString(entity, 'requestId'),
        tenantId: requiredString(entity, 'tenantId'),
        kind: requiredString(entity, 'kind') as HoldKind,
        objectId: requiredString(entity, 'objectId'),
        userPrincipalName: requiredString(entity, 'userPrincipalName'),
        ...(environment !== undefined && { environment }),
        ...(bcUserSecurityId !== undefined && { bcUserSecurityId }),
        prior: requiredString(entity, 'prior'),
        setTo: requiredString(entity, 'setTo'),
        changedAt: requiredString(entity, 'changedAt'),
        releaseAt: requiredString(entity, 'releaseAt'),
    };
}
