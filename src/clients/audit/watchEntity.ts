import type { TableEntity } from '@azure/data-tables';
import { ValidationError } from '../../core/errors';
import type { WatchIdentity, WatchRecord } from '../../core/ports/auditStore';
import { decodeJsonColumn, encodeJsonColumn, type EntityProperties } from './entityCodec';
import { optionalString, requiredString } from './entityFields';
import { checkedKey, encodeKey, requestKeyOf } from './keys';
import { corruptEntity } from './storageErrors';

/** Watches: partition = request, row = the user's object id (lower-case), so one request watches each user once. */
export function watchKeys(requestId: string, objectId: string): { partitionKey: string; rowKey: string } {
    return { partitionKey: requestKeyOf(requestId), rowKey: checkedKey(encodeKey(objectId.toLowerCase()), 'objectId') };
}

/** A few hundred names at most; a property's 32 Ki characters are plenty, so no budget games here. */
const WATCH_JSON_BUDGET = 512 * 1024;

export function watchEntity(watch: WatchRecord): TableEntity<EntityProperties> {
    const identities = encodeJsonColumn('identities', watch.identities, WATCH_JSON_BUDGET);
    const environments = encodeJsonColumn('environments', watch.environments, WATCH_JSON_BUDGET);
    if (!('properties' in identities) || !('properties' in environments)) {
        throw new ValidationError([{ field: 'identities', reason: 'is too large to store in one watch' }]);
    }
    return {
        ...watchKeys(watch.requestId, watch.objectId),
        requestId: watch.requestId,
        tenantId: watch.tenantId,
        objectId: watch.objectId,
        userPrincipalName: watch.userPrincipalName,
        ...(watch.mail !== null && { mail: watch.mail }),
        ...(watch.skippedSince !== undefined && { skippedSince: watch.skippedSince }),
        applicationFamily: watch.applicationFamily,
        until: watch.until,
        ...identities.properties,
        ...environments.properties,
    };
}

export function decodeWatch(entity: Record<string, unknown>): WatchRecord {
    const identities = decodeJsonColumn<Record<string, WatchIdentity>>('identities', entity);
    const environments = decodeJsonColumn<string[]>('environments', entity);
    if (identities === undefined || environments === undefined) {
        throw corruptEntity(`watch (${String(entity.partitionKey)}, ${String(entity.rowKey)}) is incomplete`);
    }
    return {
        requestId: requiredString(entity, 'requestId'),
        tenantId: requiredString(entity, 'tenantId'),
        objectId: requiredString(entity, 'objectId'),
        userPrincipalName: requiredString(entity, 'userPrincipalName'),
        mail: optionalString(entity, 'mail') ?? null,
        identities,
        applicationFamily: requiredString(entity, 'applicationFamily'),
        environments,
        until: requiredString(entity, 'until'),
        ...(optionalString(entity, 'skippedSince') !== undefined && {
            skippedSince: optionalString(entity, 'skippedSince'),
        }),
    };
}
