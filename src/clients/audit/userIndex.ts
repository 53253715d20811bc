import type { TableEntity } from '@azure/data-tables';
import type { EntityProperties } from './entityCodec';
import { requestKeyOf, timeRowKey, userKeyOf } from './keys';
import { USER_REF_ROW_PREFIX } from './requestEntity';

/**
 * The history index: partition = user key (UPN or object id, lower-cased), row = inverted time and request id,
 * so one user's requests list newest first. Each entry has a back-reference row in the request's own partition
 * of the requests table, written first, so retention can find every entry of a request it deletes.
 */
export function indexEntry(
    userKey: string,
    requestId: string,
    atMs: number,
    at: string,
): TableEntity<EntityProperties> {
    return { partitionKey: userKeyOf(userKey), rowKey: timeRowKey(atMs, requestId), requestId, userKey, at };
}

export function userReference(userKey: string, requestId: string, at: string): TableEntity<EntityProperties> {
    return {
        partitionKey: requestKeyOf(requestId),
        rowKey: `${USER_REF_ROW_PREFIX}${userKeyOf(userKey)}`,
        userKey,
        at,
    };
}
