import type { TableClient } from '@azure/data-tables';
import { optionalString } from './entityFields';
import { checkedKey, encodeKey, timeOf } from './keys';
import { statusOf, toStorageError } from './storageErrors';
import { readEntity } from './tableReads';

/** One row per lease: partition = encoded name, a fixed row key. */
const LEASE_ROW_KEY = 'lease';
/** Re-reads after losing a race; past this the other contender is clearly active, so this one backs off. */
const MAX_LEASE_ROUNDS = 5;

function leaseKey(name: string): string {
    return checkedKey(encodeKey(name), 'lease name');
}

/**
 * Takes the named lease when nobody holds it, when it expired, or to renew it for the same owner. A new lease is
 * created (`createEntity`: 409 when another process created it first) and an existing one replaced with its etag
 * (412 when another process changed it first), so of two contenders exactly one wins (platform-facts §7).
 */
export async function tryAcquireLease(
    table: TableClient,
    name: string,
    owner: string,
    leaseInMs: number,
    now: Date,
): Promise<boolean> {
    const partitionKey = leaseKey(name);
    const lease = {
        partitionKey,
        rowKey: LEASE_ROW_KEY,
        name,
        owner,
        until: new Date(now.getTime() + leaseInMs).toISOString(),
    };
    for (let round = 0; round < MAX_LEASE_ROUNDS; round++) {
        const current = await readLease(table, partitionKey);
        try {
            if (!current) {
                await table.createEntity(lease);
                return true;
            }
            const heldByOther = current.owner !== owner && timeOf(current.until, 'until') > now.getTime();
            if (heldByOther) return false;
            await table.updateEntity(lease, 'Replace', { etag: current.etag });
            return true;
        } catch (error) {
            const status = statusOf(error);
            if (status !== 409 && status !== 412 && status !== 404)
                throw toStorageError(error, `acquire lease ${name}`);
        }
    }
    return false;
}

/** Gives the lease up if `owner` still holds it; a lease taken over by someone else is left alone. */
export async function releaseLease(table: TableClient, name: string, owner: string): Promise<void> {
    const partitionKey = leaseKey(name);
    const current = await readLease(table, partitionKey);
    if (current?.owner !== owner) return;
    try {
        await table.deleteEntity(partitionKey, LEASE_ROW_KEY, { etag: current.etag });
    } catch (error) {
        const status = statusOf(error);
        if (status !== 404 && status !== 412) throw toStorageError(error, `release lease ${name}`);
    }
}

async function readLease(
    table: TableClient,
    partitionKey: string,
): Promise<{ owner: string; until: string; etag: string } | undefined> {
    const entity = await readEntity(table, partitionKey, LEASE_ROW_KEY, 'read lease');
    if (!entity) return undefined;
    return {
        owner: optionalString(entity, 'owner') ?? '',
        until: optionalString(entity, 'until') ?? new Date(0).toISOString(),
        etag: entity.etag,
    };
}
