import type { HoldKind } from '../ports/auditStore';
import { ENVIRONMENT_NAME_PATTERN, GUID_PATTERN, STORED_REQUEST_ID_PATTERN } from '../request/patterns';

/** What an admin may end early: a timed change (a hold), or the sweep's watch of a user. */
export type HeldRef =
    | { kind: 'hold'; requestId: string; holdKind: HoldKind; objectId: string; environment?: string }
    | { kind: 'watch'; requestId: string; objectId: string };

const HOLD_KINDS: readonly HoldKind[] = ['entra-block', 'bc-disable'];
/** Far above any id this service issues (a request id is at most 128 characters). */
const MAX_ID_LENGTH = 1024;

/**
 * The id of a hold or watch in URLs: its store keys as base64url JSON, so it is opaque to callers, needs no
 * encoding in a path segment, and names exactly one entry.
 */
export function heldIdOf(ref: HeldRef): string {
    const parts =
        ref.kind === 'hold'
            ? ['h', ref.requestId, ref.holdKind, ref.objectId.toLowerCase(), ref.environment ?? '']
            : ['w', ref.requestId, ref.objectId.toLowerCase()];
    return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/** The entry an id names, or undefined when the text is not an id this service issued. */
export function parseHeldId(id: string): HeldRef | undefined {
    if (id.length === 0 || id.length > MAX_ID_LENGTH || !/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
    let parts: unknown;
    try {
        parts = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
    } catch {
        return undefined;
    }
    if (!Array.isArray(parts) || !parts.every((part) => typeof part === 'string')) return undefined;
    const [tag, requestId = '', ...rest] = parts as string[];
    if (!STORED_REQUEST_ID_PATTERN.test(requestId)) return undefined;
    if (tag === 'w' && rest.length === 1 && GUID_PATTERN.test(rest[0]!))
        return { kind: 'watch', requestId, objectId: rest[0]! };
    const [holdKind = '', objectId = '', environment = ''] = rest;
    if (
        tag !== 'h' ||
        rest.length !== 3 ||
        !HOLD_KINDS.includes(holdKind as HoldKind) ||
        !GUID_PATTERN.test(objectId) ||
        (environment !== '' && !ENVIRONMENT_NAME_PATTERN.test(environment))
    )
        return undefined;
    return {
        kind: 'hold',
        requestId,
        holdKind: holdKind as HoldKind,
        objectId,
        ...(environment !== '' && { environment }),
    };
}
