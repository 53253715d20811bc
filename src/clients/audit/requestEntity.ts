import type { TableEntity } from '@azure/data-tables';
import type { FieldProblem } from '../../core/errors';
import type { Caller, RequestRecord, RequestSummary } from '../../core/ports/auditStore';
import type { SignOutRequest } from '../../core/request/signOutRequest';
import type { RequestProgress, SignOutResult } from '../../core/result';
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
import { optionalNumber, optionalString, requiredNumber, requiredString } from './entityFields';
import type { TrailAnchor } from './hashChain';
import { requestKeyOf } from './keys';
import { scrubText, scrubValue } from './scrubSecrets';

/** Row keys inside a request's partition of the requests table. */
export const RECORD_ROW_KEY = 'record';
export const USER_REF_ROW_PREFIX = 'user:';

export const SUMMARY_FIELDS = [
    'requestId',
    'state',
    'source',
    'createdAt',
    'updatedAt',
    'reason',
    'ticketNumber',
    'userCount',
    'callerId',
];

/** The record as stored, with what only the store needs: the etag for concurrency and the trail anchor. */
export interface StoredRecord {
    record: RequestRecord;
    etag: string;
    anchor?: TrailAnchor;
}

/**
 * Bounds what a caller hands in, and scrubs what came from remote services (result and error texts may echo a
 * request back). The accepted request is the operational record the worker runs, and stays exactly as accepted:
 * user names, environment names and the reason are never rewritten; what is shown is scrubbed where it is shown.
 */
export function sanitizeRecord(record: RequestRecord): RequestRecord {
    return {
        ...record,
        caller: sanitizeCaller(record.caller),
        ...(record.reason !== undefined && { reason: limitText(record.reason, MAX_TEXT_CHARS) }),
        ...(record.stateDetail !== undefined && {
            stateDetail: limitText(scrubText(record.stateDetail), MAX_TEXT_CHARS),
        }),
        ...(record.ticketNumber !== undefined && { ticketNumber: limitText(record.ticketNumber, MAX_NAME_CHARS) }),
        ...(record.result !== undefined && { result: scrubValue(record.result) }),
        ...(record.problems !== undefined && { problems: scrubValue(record.problems) }),
    };
}

function sanitizeCaller(caller: Caller): Caller {
    const name = (text: string) => limitText(text, MAX_NAME_CHARS);
    return {
        kind: caller.kind,
        id: name(caller.id),
        ...(caller.name !== undefined && { name: name(caller.name) }),
        ...(caller.objectId !== undefined && { objectId: name(caller.objectId) }),
        ...(caller.appId !== undefined && { appId: name(caller.appId) }),
        ...(caller.roles !== undefined && { roles: caller.roles.map(name) }),
        verified: caller.verified,
        ...(caller.osUser !== undefined && { osUser: name(caller.osUser) }),
    };
}

/**
 * A callback URL's query (and fragment) often holds its signature (Power Automate's `sig`): the request column
 * keeps the URL without it, and the secret part sits in a column of its own that nothing shows, to be joined
 * again, byte for byte, only for the worker that calls back.
 */
function withCallbackSecretApart(request: SignOutRequest): { request: SignOutRequest; callbackSecret?: string } {
    const url = request.callbackUrl;
    const start = url === undefined ? -1 : url.search(/[?#]/);
    if (url === undefined || start < 0) return { request };
    return { request: { ...request, callbackUrl: url.slice(0, start) }, callbackSecret: url.slice(start) };
}

/** The record row. Expects a sanitized record; JSON columns share what the 1 MiB entity has left. */
export function recordEntity(record: RequestRecord, anchor?: TrailAnchor): TableEntity<EntityProperties> {
    const partitionKey = requestKeyOf(record.requestId);
    const properties: EntityProperties = { ...recordScalars(record), ...(anchor && anchorColumns(anchor)) };
    const budget = () => ENTITY_BUDGET_BYTES - entitySize(partitionKey, RECORD_ROW_KEY, properties);
    if (record.request !== undefined) {
        const { request, callbackSecret } = withCallbackSecretApart(record.request);
        if (callbackSecret !== undefined) properties.callbackSecret = callbackSecret;
        addColumn(properties, 'request', request, budget());
    }
    if (record.problems !== undefined) addColumn(properties, 'problems', record.problems, budget());
    if (record.result !== undefined) addResult(properties, record.result, budget);
    return { partitionKey, rowKey: RECORD_ROW_KEY, ...properties };
}

/** The trail anchor's columns, written with the record or merged on their own when the anchor moves. */
export function anchorColumns(anchor: TrailAnchor): EntityProperties {
    return { anchorSequence: anchor.sequence, anchorHash: anchor.hash };
}

/** The scalar columns: what `startAttempt` and `setState` merge without rewriting the JSON columns. */
export function recordScalars(record: RequestRecord): EntityProperties {
    return {
        requestId: record.requestId,
        tenantId: record.tenantId,
        state: record.state,
        source: record.source,
        ...callerColumns(record.caller),
        ...(record.reason !== undefined && { reason: record.reason }),
        ...(record.ticketNumber !== undefined && { ticketNumber: record.ticketNumber }),
        userCount: record.userCount,
        createdAt: record.createdAt,
        updatedAt: record.updatedAt,
        attempts: record.attempts,
        ...(record.leaseOwner !== undefined && { leaseOwner: record.leaseOwner }),
        ...(record.leaseUntil !== undefined && { leaseUntil: record.leaseUntil }),
        ...(record.stateDetail !== undefined && { stateDetail: record.stateDetail }),
        ...(record.requestSha256 !== undefined && { requestSha256: record.requestSha256 }),
        ...(record.enqueuedAt !== undefined && { enqueuedAt: record.enqueuedAt }),
        ...(record.shardCount !== undefined && { shardCount: record.shardCount }),
        ...(record.parentRequestId !== undefined && { parentRequestId: record.parentRequestId }),
    };
}

function callerColumns(caller: Caller): EntityProperties {
    return {
        callerKind: caller.kind,
        callerId: caller.id,
        ...(caller.name !== undefined && { callerName: caller.name }),
        ...(caller.objectId !== undefined && { callerObjectId: caller.objectId }),
        ...(caller.appId !== undefined && { callerAppId: caller.appId }),
        ...(caller.roles !== undefined && { callerRoles: JSON.stringify(caller.roles) }),
        callerVerified: caller.verified,
        ...(caller.osUser !== undefined && { callerOsUser: caller.osUser }),
    };
}

/** A record written before callers were verified has no `callerVerified`: it counts as not verified. */
function decodeCaller(entity: Record<string, unknown>): Caller {
    const roles = optionalString(entity, 'callerRoles');
    return {
        kind: requiredString(entity, 'callerKind') as Caller['kind'],
        id: requiredString(entity, 'callerId'),
        ...definedOnly({
            name: optionalString(entity, 'callerName'),
            objectId: optionalString(entity, 'callerObjectId'),
            appId: optionalString(entity, 'callerAppId'),
            roles: roles === undefined ? undefined : (JSON.parse(roles) as string[]),
        }),
        verified: entity.callerVerified === true,
        ...definedOnly({ osUser: optionalString(entity, 'callerOsUser') }),
    };
}

/** Adds a JSON column; a value too large even compressed keeps only its length and hash. */
function addColumn(properties: EntityProperties, name: string, value: unknown, budget: number): void {
    const encoded = encodeJsonColumn(name, value, budget);
    Object.assign(
        properties,
        'properties' in encoded
            ? encoded.properties
            : { [`${name}OmittedLength`]: encoded.omitted.length, [`${name}OmittedSha256`]: encoded.omitted.sha256 },
    );
}

/**
 * A result of hundreds of users, each with outcomes in many environments, can exceed 1 MiB even compressed.
 * Rather than lose it, the per-system outcomes are dropped first, then the per-user list, each time noting what
 * was dropped and the SHA-256 of the full result (so the copy the caller received can be verified).
 */
function addResult(properties: EntityProperties, result: SignOutResult, budget: () => number): void {
    const candidates = [
        () => result,
        () =>
            noteOmission(
                { ...result, users: result.users.map((user) => ({ ...user, systems: [] })) },
                result,
                'Per-system outcomes were',
            ),
        () => noteOmission({ ...result, users: [] }, result, `Per-user outcomes of ${result.users.length} users were`),
    ];
    for (const candidate of candidates) {
        const encoded = encodeJsonColumn('result', candidate(), budget());
        if ('properties' in encoded) {
            Object.assign(properties, encoded.properties);
            return;
        }
    }
    addColumn(properties, 'result', result, budget());
}

function noteOmission(reduced: SignOutResult, full: SignOutResult, what: string): SignOutResult {
    const { length, sha256 } = omittedValueOf(full);
    const note = `${what} omitted from the stored result (too large for one table entity); full result: ${length} chars, sha256 ${sha256}`;
    return { ...reduced, residualRisk: { ...reduced.residualRisk, notes: [...reduced.residualRisk.notes, note] } };
}

export function decodeRecord(entity: Record<string, unknown>): StoredRecord {
    const anchorSequence = optionalNumber(entity, 'anchorSequence');
    const anchorHash = optionalString(entity, 'anchorHash');
    const request = decodeJsonColumn<SignOutRequest>('request', entity);
    const callbackSecret = optionalString(entity, 'callbackSecret');
    const record: RequestRecord = {
        requestId: requiredString(entity, 'requestId'),
        tenantId: requiredString(entity, 'tenantId'),
        state: requiredString(entity, 'state') as RequestRecord['state'],
        source: requiredString(entity, 'source') as RequestRecord['source'],
        caller: decodeCaller(entity),
        userCount: requiredNumber(entity, 'userCount'),
        createdAt: requiredString(entity, 'createdAt'),
        updatedAt: requiredString(entity, 'updatedAt'),
        attempts: requiredNumber(entity, 'attempts'),
        ...optionalFields(entity, [
            'reason',
            'ticketNumber',
            'leaseOwner',
            'leaseUntil',
            'stateDetail',
            'requestSha256',
            'enqueuedAt',
            'parentRequestId',
        ]),
        ...definedOnly({ shardCount: optionalNumber(entity, 'shardCount') }),
        ...progressOf(entity),
        ...definedOnly({
            request:
                request?.callbackUrl !== undefined && callbackSecret !== undefined
                    ? { ...request, callbackUrl: `${request.callbackUrl}${callbackSecret}` }
                    : request,
            result: decodeJsonColumn<SignOutResult>('result', entity),
            problems: decodeJsonColumn<FieldProblem[]>('problems', entity),
        }),
    };
    return {
        record,
        etag: requiredString(entity, 'etag'),
        ...(anchorSequence !== undefined &&
            anchorHash !== undefined && {
                anchor: { sequence: anchorSequence, hash: anchorHash },
            }),
    };
}

export function decodeSummary(entity: Record<string, unknown>): RequestSummary {
    return {
        requestId: requiredString(entity, 'requestId'),
        state: requiredString(entity, 'state') as RequestSummary['state'],
        source: requiredString(entity, 'source') as RequestSummary['source'],
        createdAt: requiredString(entity, 'createdAt'),
        updatedAt: requiredString(entity, 'updatedAt'),
        userCount: requiredNumber(entity, 'userCount'),
        callerId: requiredString(entity, 'callerId'),
        ...optionalFields(entity, ['reason', 'ticketNumber']),
    };
}

/** The column `recordProgress` merges while a request runs; a final record, written whole, has none. */
export const PROGRESS_COLUMN = 'progressJson';

function progressOf(entity: Record<string, unknown>): { progress?: RequestProgress } {
    const text = optionalString(entity, PROGRESS_COLUMN);
    if (text === undefined) return {};
    try {
        return { progress: JSON.parse(text) as RequestProgress };
    } catch {
        // Progress is a display hint: an unreadable one is left out, never a reason to fail the read.
        return {};
    }
}

function optionalFields<K extends string>(
    entity: Record<string, unknown>,
    names: readonly K[],
): Partial<Record<K, string>> {
    return definedOnly(
        Object.fromEntries(names.map((name) => [name, optionalString(entity, name)])) as Record<K, string | undefined>,
    );
}

function definedOnly<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
    return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as {
        [K in keyof T]?: Exclude<T[K], undefined>;
    };
}
