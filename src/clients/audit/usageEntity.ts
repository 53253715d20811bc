import type { TableEntity } from '@azure/data-tables';
import type { UsageEntry } from '../../core/ports/auditStore';
import { decodeJsonColumn, encodeJsonColumn, ENTITY_BUDGET_BYTES, type EntityProperties } from './entityCodec';
import { checkedKey, encodeKey } from './keys';
import { ServiceError } from '../../core/errors';

/** One row per caller: partition = encoded caller key, a fixed row key, the entries as a JSON column. */
export const USAGE_ROW_KEY = 'usage';

export function usageKey(callerKey: string): string {
    return checkedKey(encodeKey(callerKey), 'callerKey');
}

/** Entries are at most one per user counted (CALLER_MAX_USERS_PER_HOUR <= 10,000), compact enough for one entity. */
export function usageEntity(callerKey: string, entries: readonly UsageEntry[]): TableEntity<EntityProperties> {
    const encoded = encodeJsonColumn('entries', entries, ENTITY_BUDGET_BYTES);
    if (!('properties' in encoded))
        throw new ServiceError('storage', undefined, 'EntityTooLarge', `Usage of ${callerKey} does not fit one entity`);
    return { partitionKey: usageKey(callerKey), rowKey: USAGE_ROW_KEY, callerKey, ...encoded.properties };
}

export function decodeUsage(entity: Record<string, unknown>): UsageEntry[] {
    return decodeJsonColumn<UsageEntry[]>('entries', entity) ?? [];
}
