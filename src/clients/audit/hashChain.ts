import { createHash } from 'node:crypto';
import type { AuditEvent } from '../../core/ports/auditStore';
import type { SigningKey } from './signingKey';

/** `previousHash` of the first event of every trail. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields an event's hash covers, in the stored form (after scrubbing and truncation). */
export type HashedContent = Pick<
    AuditEvent,
    'requestId' | 'sequence' | 'at' | 'type' | 'step' | 'user' | 'system' | 'status' | 'detail' | 'data'
>;

/**
 * JSON with object keys sorted at every level and no whitespace, so the same content always hashes the same,
 * whatever order a writer or the table returned its properties in. Absent (`undefined`) members are left out.
 */
export function canonicalJson(value: unknown): string {
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
    if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
    const members = Object.entries(value as Record<string, unknown>)
        .filter(([, member]) => member !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`);
    return `{${members.join(',')}}`;
}

export function sha256Hex(text: string | Uint8Array): string {
    return createHash('sha256').update(text).digest('hex');
}

/** SHA-256, or with a signing key HMAC-SHA256, over the event's canonical content followed by `previousHash`. */
export function eventHash(content: HashedContent, previousHash: string, key?: SigningKey): string {
    const { requestId, sequence, at, type, step, user, system, status, detail, data } = content;
    const text =
        canonicalJson({ requestId, sequence, at, type, step, user, system, status, detail, data }) + previousHash;
    return key ? key.sign(text) : sha256Hex(text);
}

export interface ChainBreak {
    sequence: number;
    problem: string;
    /** Events verified before the break. */
    eventsChecked: number;
}

/**
 * The sequence and hash of the trail's last event as the record knows it: set when the record is sealed, and moved
 * along by every append after that.
 */
export interface TrailAnchor {
    sequence: number;
    hash: string;
}

/**
 * Re-walks a trail in sequence order and names the first broken link: a sequence gap (a deleted event), a
 * `previousHash` that does not match its predecessor, or a hash that does not match the stored content
 * (an edited event). The anchor catches events deleted from the end, which the chain alone cannot. A keyed event is
 * checked with `key`; one signed with another key cannot be checked, and an unkeyed event after a keyed one means the
 * chain was rewritten from there by someone without the key.
 */
export function findChainBreak(
    events: readonly AuditEvent[],
    anchor?: TrailAnchor,
    key?: SigningKey,
): ChainBreak | undefined {
    let previousHash = GENESIS_HASH;
    let firstKeyed: number | undefined;
    for (const [index, event] of events.entries()) {
        const expected = index + 1;
        if (event.sequence !== expected) {
            return {
                sequence: expected,
                problem: `gap in sequence: event ${expected} is missing (next stored event is ${event.sequence})`,
                eventsChecked: index,
            };
        }
        if (event.previousHash !== previousHash) {
            return {
                sequence: expected,
                problem: 'previousHash mismatch: does not match the hash of the event before',
                eventsChecked: index,
            };
        }
        const keying = keyingProblem(event, key, firstKeyed);
        if (keying) return { sequence: expected, problem: keying, eventsChecked: index };
        if (event.keyId !== undefined) firstKeyed ??= expected;
        if (eventHash(event, event.previousHash, event.keyId === undefined ? undefined : key) !== event.hash) {
            return { sequence: expected, problem: 'hash mismatch: content was changed', eventsChecked: index };
        }
        previousHash = event.hash;
    }
    if (anchor) {
        const anchored = events[anchor.sequence - 1];
        if (!anchored) {
            return {
                sequence: anchor.sequence,
                problem: `gap in sequence: event ${anchor.sequence}, the last one the record knows of, is missing`,
                eventsChecked: events.length,
            };
        }
        if (anchored.hash !== anchor.hash) {
            return {
                sequence: anchor.sequence,
                problem: 'hash mismatch: differs from the hash the record holds for it (its anchor)',
                eventsChecked: events.length,
            };
        }
    }
    return undefined;
}

function keyingProblem(
    event: AuditEvent,
    key: SigningKey | undefined,
    firstKeyed: number | undefined,
): string | undefined {
    if (event.keyId === undefined) {
        return firstKeyed === undefined
            ? undefined
            : `not keyed, although event ${firstKeyed} before it is: the chain was rewritten from here without the key`;
    }
    if (key?.id === event.keyId) return undefined;
    const configured = key ? `the configured AUDIT_SIGNING_KEY is ${key.id}` : 'no AUDIT_SIGNING_KEY is configured';
    return `cannot verify: signed with key ${event.keyId}, but ${configured}`;
}
