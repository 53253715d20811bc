import type { AuditEvent, AuditEventInput, Caller, RequestRecord } from '../../core/ports/auditStore';
import { FINAL_STATES } from '../../core/result';
import { canonicalJson, sha256Hex, type ChainBreak, type TrailAnchor } from './hashChain';

/** The event that seals a record: the last one appended when it became final. */
export const SEAL_EVENT = 'record-sealed';

/**
 * The record's fields a reader relies on, as stored. The result and the problems are represented by the SHA-256 of
 * their canonical JSON; everything else is kept as it is, so a verifier can name the field that differs.
 */
export interface SealedFields {
    requestId: string;
    tenantId: string;
    source: string;
    createdAt: string;
    userCount: number;
    state: string;
    caller: Caller;
    reason: string | null;
    ticketNumber: string | null;
    stateDetail: string | null;
    resultSha256: string | null;
    problemsSha256: string | null;
}

export interface RecordSeal {
    sha256: string;
    fields: SealedFields;
}

export function sealOf(record: RequestRecord): RecordSeal {
    const digest = (value: unknown) => (value === undefined ? null : sha256Hex(canonicalJson(value)));
    const fields: SealedFields = {
        requestId: record.requestId,
        tenantId: record.tenantId,
        source: record.source,
        createdAt: record.createdAt,
        userCount: record.userCount,
        state: record.state,
        caller: record.caller,
        reason: record.reason ?? null,
        ticketNumber: record.ticketNumber ?? null,
        stateDetail: record.stateDetail ?? null,
        resultSha256: digest(record.result),
        problemsSha256: digest(record.problems),
    };
    return { sha256: sha256Hex(canonicalJson(fields)), fields };
}

export function sealEvent(seal: RecordSeal): AuditEventInput {
    return { type: SEAL_EVENT, status: seal.fields.state, data: { sha256: seal.sha256, fields: seal.fields } };
}

/**
 * What is wrong between a record and the trail that sealed it, or undefined. A final record needs an anchor and a
 * seal at or before it that matches its fields; a record that is not final has neither (its seal would be the
 * closing event of an attempt that stopped before writing the record, or a record set back by hand).
 */
export function findSealBreak(
    record: RequestRecord,
    anchor: TrailAnchor | undefined,
    events: readonly AuditEvent[],
): ChainBreak | undefined {
    const eventsChecked = events.length;
    const sealed = [...events]
        .reverse()
        .find((event) => event.type === SEAL_EVENT && (!anchor || event.sequence <= anchor.sequence));
    if (!FINAL_STATES.includes(record.state)) {
        if (sealed)
            return {
                sequence: sealed.sequence,
                problem: `event ${sealed.sequence} sealed the request as ${sealed.status ?? '?'}, but the record is ${record.state}: a worker stopped between the two writes (resume it) or the record was edited`,
                eventsChecked,
            };
        if (anchor)
            return {
                sequence: anchor.sequence,
                problem: `the record is ${record.state}, yet anchored as only a sealed record is: the record was edited`,
                eventsChecked,
            };
        return undefined;
    }
    if (!anchor || !sealed)
        return {
            sequence: anchor?.sequence ?? 0,
            problem: `the record is ${record.state} but not sealed: no event up to its anchor holds the hash of its fields`,
            eventsChecked,
        };
    const seal = readSeal(sealed);
    const expected = sealOf(record);
    if (seal?.sha256 === expected.sha256) return undefined;
    return {
        sequence: sealed.sequence,
        problem: `the record differs from what event ${sealed.sequence} sealed: ${differingField(expected.fields, seal?.fields)}`,
        eventsChecked,
    };
}

function readSeal(event: AuditEvent): Partial<RecordSeal> | undefined {
    const data = event.data as Partial<RecordSeal> | undefined;
    return typeof data?.sha256 === 'string' ? data : undefined;
}

/** The first field whose stored value is not the sealed one, with both values (shortened). */
function differingField(record: SealedFields, sealed: Partial<SealedFields> | undefined): string {
    const show = (value: unknown) => {
        const text = canonicalJson(value ?? null);
        return text.length > 80 ? `${text.slice(0, 80)}…` : text;
    };
    for (const [name, value] of Object.entries(record)) {
        const was = (sealed as Record<string, unknown> | undefined)?.[name];
        if (canonicalJson(value) !== canonicalJson(was ?? null))
            return `${name} is ${show(value)}, sealed as ${show(was)}`;
    }
    return 'the seal does not hash to its fields';
}
