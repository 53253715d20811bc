import type { TableEntity } from '@azure/data-tables';
import type { AuditEvent, AuditEventInput } from '../../core/ports/auditStore';
import {
    decodeJsonColumn,
    encodeJsonColumn,
    ENTITY_BUDGET_BYTES,
    entitySize,
    limitText,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    omittedValueOf,
    type EntityProperties,
} from './entityCodec';
import { optionalString, requiredNumber, requiredString } from './entityFields';
import { eventHash, GENESIS_HASH, type HashedContent } from './hashChain';
import type { SigningKey } from './signingKey';
import { requestKeyOf, sequenceRowKey } from './keys';
import { scrubText, scrubValue } from './scrubSecrets';

const OPTIONAL_SHORT_FIELDS = ['step', 'user', 'system', 'status'] as const;

export interface EventPosition {
    requestId: string;
    sequence: number;
    at: string;
    previousHash: string;
}

/**
 * The event as stored: scrubbed, bounded and hashed. The hash covers exactly what is stored, so `verifyTrail`
 * can recompute it from the table alone (with the signing key, for a keyed event: its id is stored as `keyId`).
 */
export function prepareEvent(
    input: AuditEventInput,
    position: EventPosition,
    key?: SigningKey,
): { event: AuditEvent; entity: TableEntity<EntityProperties> } {
    const partitionKey = requestKeyOf(position.requestId);
    const rowKey = sequenceRowKey(position.sequence);
    const content: HashedContent = {
        requestId: position.requestId,
        sequence: position.sequence,
        at: position.at,
        type: limitText(scrubText(input.type), MAX_NAME_CHARS),
    };
    for (const field of OPTIONAL_SHORT_FIELDS) {
        const value = input[field];
        // A user's name is what it is: never scrubbed (scrubSecrets.ts).
        if (value !== undefined)
            content[field] = limitText(field === 'user' ? value : scrubText(value), MAX_NAME_CHARS);
    }
    if (input.detail !== undefined) content.detail = limitText(scrubText(input.detail), MAX_TEXT_CHARS);

    // The placeholder has the hash's length, so the size budget left for `data` is exact.
    const scalars: EntityProperties = {
        ...scalarsOf(content),
        previousHash: position.previousHash,
        hash: GENESIS_HASH,
        ...(key && { keyId: key.id }),
    };
    let dataProperties: EntityProperties = {};
    if (input.data !== undefined) {
        const fitted = fitData(input.data, ENTITY_BUDGET_BYTES - entitySize(partitionKey, rowKey, scalars));
        content.data = fitted.data;
        dataProperties = fitted.properties;
    }
    const hash = eventHash(content, position.previousHash, key);
    return {
        event: { ...content, previousHash: position.previousHash, hash, ...(key && { keyId: key.id }) },
        entity: { partitionKey, rowKey, ...scalars, hash, ...dataProperties },
    };
}

function scalarsOf(content: HashedContent): EntityProperties {
    const scalars: EntityProperties = {
        requestId: content.requestId,
        sequence: content.sequence,
        at: content.at,
        type: content.type,
    };
    for (const field of [...OPTIONAL_SHORT_FIELDS, 'detail'] as const) {
        const value = content[field];
        if (value !== undefined) scalars[field] = value;
    }
    return scalars;
}

/**
 * `data` goes through JSON first, because the hash must cover what a reader parses back (no `undefined`, no Date
 * objects). A value too large for the entity even compressed is replaced by `{ omitted, length, sha256 }`.
 */
function fitData(
    input: Record<string, unknown>,
    budget: number,
): { data: Record<string, unknown>; properties: EntityProperties } {
    const data = scrubValue(JSON.parse(JSON.stringify(input)) as Record<string, unknown>);
    const encoded = encodeJsonColumn('data', data, budget);
    if ('properties' in encoded) return { data, properties: encoded.properties };
    const placeholder = { omitted: true, ...omittedValueOf(data) };
    const small = encodeJsonColumn('data', placeholder, budget);
    if (!('properties' in small)) throw new RangeError('An audit event leaves no room for its data placeholder');
    return { data: placeholder, properties: small.properties };
}

export function decodeEvent(entity: Record<string, unknown>): AuditEvent {
    const event: AuditEvent = {
        requestId: requiredString(entity, 'requestId'),
        sequence: requiredNumber(entity, 'sequence'),
        at: requiredString(entity, 'at'),
        type: requiredString(entity, 'type'),
        hash: requiredString(entity, 'hash'),
        previousHash: requiredString(entity, 'previousHash'),
    };
    for (const field of [...OPTIONAL_SHORT_FIELDS, 'detail'] as const) {
        const value = optionalString(entity, field);
        if (value !== undefined) event[field] = value;
    }
    const data = decodeJsonColumn<Record<string, unknown>>('data', entity);
    if (data !== undefined) event.data = data;
    const keyId = optionalString(entity, 'keyId');
    if (keyId !== undefined) event.keyId = keyId;
    return event;
}
