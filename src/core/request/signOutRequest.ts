import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FieldProblem } from '../errors';
import { callbackUrlProblem } from './callbackPolicy';
import { MAX_HOLD_MINUTES, MAX_WATCH_MINUTES } from './limits';
import {
    APPLICATION_FAMILY_PATTERN,
    ENVIRONMENT_NAME_PATTERN,
    GUID_PATTERN,
    REQUEST_ID_PATTERN,
    SHARD_ID_SUFFIX_PATTERN,
    UNSAFE_TEXT_PATTERN,
    UPN_PATTERN,
} from './patterns';

/**
 * The one request schema every entry point speaks (HTTP, queue, CLI). Version 1.
 * Input is validated strictly (unknown fields are refused) and normalised into `SignOutRequest`.
 */
export const REQUEST_SCHEMA_VERSION = 1;

const MAX_REASON_LENGTH = 500;
/** How long a block or disable lasts: `{mode: 'for', minutes}`, `{mode: 'until', until}`, `off` or `permanent`. */
export const HOLD_MODES = ['off', 'for', 'until', 'permanent'] as const;
export const TICKET_SYSTEMS = ['servicenow', 'jira', 'other'] as const;
/** The Admin Center API's environment types (platform-facts §2): a request may choose environments by type. */
export const ENVIRONMENT_TYPES = ['Production', 'Sandbox'] as const;
export type EnvironmentType = (typeof ENVIRONMENT_TYPES)[number];

export type HoldSpec = { kind: 'off' } | { kind: 'permanent' } | { kind: 'until'; until: string };

export interface Ticket {
    system: (typeof TICKET_SYSTEMS)[number];
    number: string;
    id?: string;
}

export interface SignOutActions {
    revokeSessions: boolean;
    cancelBcSessions: boolean;
    blockSignIn: HoldSpec;
    disableBcUser: HoldSpec;
}

/** A validated, normalised request: what the engine runs and the audit keeps. */
export interface SignOutRequest {
    schemaVersion: typeof REQUEST_SCHEMA_VERSION;
    requestId: string;
    tenantId: string;
    users: string[];
    environments: 'all' | string[];
    /** With `environments` "all": only the active environments of these types. */
    environmentTypes?: EnvironmentType[];
    applicationFamily: string;
    actions: SignOutActions;
    watchMinutes: number;
    reason: string;
    requestedBy?: string;
    ticket?: Ticket;
    callbackUrl?: string;
    dryRun: boolean;
    submittedAt: string;
}

/** What the deployment allows; the schema's limits come from configuration. */
export interface RequestPolicy {
    maxUsers: number;
    defaultTenantId: string;
    allowedTenantIds: readonly string[];
    callbackHosts: readonly string[];
}

const text = (max: number) =>
    z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(max, `must be at most ${max} characters`)
        .refine(
            (value) => !UNSAFE_TEXT_PATTERN.test(value),
            'must not contain control, bidirectional-override or line-separator characters',
        );

const userReference = z
    .string()
    .trim()
    .refine((value) => GUID_PATTERN.test(value) || UPN_PATTERN.test(value), {
        message: 'must be a user principal name (ASCII, name@domain) or an Entra object id (GUID)',
    });

// One flat object rather than a union: OpenAPI 2.0 (Power Automate connectors) cannot describe `oneOf`.
const holdSchema = z.discriminatedUnion('mode', [
    z.object({ mode: z.literal('off') }).strict(),
    z.object({ mode: z.literal('permanent') }).strict(),
    z.object({ mode: z.literal('for'), minutes: z.number().int().min(1).max(MAX_HOLD_MINUTES) }).strict(),
    z.object({ mode: z.literal('until'), until: z.iso.datetime({ offset: true }) }).strict(),
]);

/** The zod schema of the raw input; exported so the connector and queue-message JSON Schemas can be checked against it. */
export function requestInputSchema(policy: RequestPolicy) {
    return z
        .object({
            schemaVersion: z.literal(REQUEST_SCHEMA_VERSION).optional(),
            requestId: z
                .string()
                .regex(REQUEST_ID_PATTERN, 'must be 1-128 characters of letters, digits, ".", "_", ":" or "-"')
                .refine(
                    (id) => !SHARD_ID_SUFFIX_PATTERN.test(id),
                    'must not end in ".shard-" and three digits, which name the shards of a large request',
                )
                .optional(),
            tenantId: z
                .string()
                .regex(GUID_PATTERN, 'must be a GUID')
                .refine(
                    (id) => policy.allowedTenantIds.some((allowed) => allowed.toLowerCase() === id.toLowerCase()),
                    'is not a tenant this deployment serves',
                )
                .optional(),
            users: z
                .array(userReference)
                .min(1, 'must name at least one user')
                .max(policy.maxUsers, `must name at most ${policy.maxUsers} users`),
            environments: z
                .union(
                    [
                        z.literal('all'),
                        z
                            .array(
                                z
                                    .string()
                                    .regex(ENVIRONMENT_NAME_PATTERN, 'must be a Business Central environment name'),
                            )
                            .min(1, 'must name at least one environment, or be "all"')
                            .max(100, 'must name at most 100 environments'),
                    ],
                    { error: 'must be "all" or a list of Business Central environment names' },
                )
                .default('all'),
            environmentTypes: z
                .array(z.enum(ENVIRONMENT_TYPES, { error: `must be one of ${ENVIRONMENT_TYPES.join(', ')}` }))
                .min(1, 'must name at least one environment type')
                .max(ENVIRONMENT_TYPES.length, `must name at most ${ENVIRONMENT_TYPES.length} environment types`)
                .optional(),
            applicationFamily: z
                .string()
                .regex(APPLICATION_FAMILY_PATTERN, 'must be letters and digits, e.g. BusinessCentral')
                .default('BusinessCentral'),
            actions: z
                .object({
                    revokeSessions: z.boolean().default(true),
                    cancelBcSessions: z.boolean().default(true),
                    blockSignIn: holdSchema.default({ mode: 'off' }),
                    disableBcUser: holdSchema.default({ mode: 'off' }),
                })
                .strict()
                .default({
                    revokeSessions: true,
                    cancelBcSessions: true,
                    blockSignIn: { mode: 'off' },
                    disableBcUser: { mode: 'off' },
                }),
            watchMinutes: z.number().int().min(0).max(MAX_WATCH_MINUTES).default(90),
            reason: text(MAX_REASON_LENGTH),
            requestedBy: text(256).optional(),
            ticket: z
                .object({
                    system: z.enum(TICKET_SYSTEMS),
                    number: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"'),
                    id: z
                        .string()
                        .regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1-128 letters, digits, ".", "_" or "-"')
                        .optional(),
                })
                .strict()
                .optional(),
            callbackUrl: z
                .string()
                .max(2048, 'must be at most 2048 characters')
                .superRefine((value, context) => {
                    const problem = callbackUrlProblem(value, policy.callbackHosts);
                    if (problem) context.addIssue({ code: 'custom', message: problem });
                })
                .optional(),
            dryRun: z.boolean().default(false),
        })
        .strict();
}

function toProblems(error: z.ZodError): FieldProblem[] {
    return error.issues.map((issue) => ({
        field: formatPath(issue.path) || '(body)',
        reason: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
    }));
}

function formatPath(path: readonly PropertyKey[]): string {
    return path.reduce<string>((out, key) => {
        if (typeof key === 'number') return `${out}[${key}]`;
        return out ? `${out}.${String(key)}` : String(key);
    }, '');
}

/** A relative hold becomes an absolute time at acceptance, so a redelivered request releases at the same moment. */
function normaliseHold(hold: z.infer<typeof holdSchema>, now: Date): HoldSpec {
    switch (hold.mode) {
        case 'off':
        case 'permanent':
            return { kind: hold.mode };
        case 'for':
            return { kind: 'until', until: new Date(now.getTime() + hold.minutes * 60_000).toISOString() };
        case 'until':
            return { kind: 'until', until: new Date(hold.until).toISOString() };
    }
}

/** Folds duplicates case-insensitively, keeping the first spelling. */
function foldUsers(users: readonly string[]): string[] {
    const seen = new Set<string>();
    return users.filter((user) => {
        const key = user.toLowerCase();
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

/**
 * An ITSM ticket delivered twice must run once: without an explicit id, the id is derived from the ticket and
 * what it asks for, as sent (platform-facts §8: ServiceNow retries on 429/5xx).
 */
export function deriveRequestId(
    ticket: Ticket,
    what: {
        users: readonly string[];
        environments: 'all' | readonly string[];
        environmentTypes?: readonly EnvironmentType[];
        actions: unknown;
        dryRun: boolean;
    },
): string {
    const canonical = JSON.stringify([
        ticket.system,
        ticket.number,
        ticket.id ?? '',
        what.users.map((u) => u.toLowerCase()).sort(),
        what.environments,
        what.actions,
        what.dryRun,
        ...typesPart(what.environmentTypes),
    ]);
    const digest = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
    return `${ticket.system}-${ticket.number}-${digest}`;
}

/**
 * SHA-256 of a request as the requester gave it: users and environments folded and sorted, actions as given (a
 * relative hold stays relative), every other field that shapes the work or its report, defaults applied. Never the
 * time of acceptance, so a resubmission of the same request hashes the same, and the same id with another hash is
 * another request (`request-id-conflict`).
 */
function requestContentSha256(raw: RawRequest, tenantId: string): string {
    const folded = (names: readonly string[]) => [...new Set(names.map((name) => name.toLowerCase()))].sort();
    const canonical = JSON.stringify([
        tenantId,
        folded(raw.users),
        raw.environments === 'all' ? 'all' : folded(raw.environments),
        raw.applicationFamily,
        [
            raw.actions.revokeSessions,
            raw.actions.cancelBcSessions,
            holdAsGiven(raw.actions.blockSignIn),
            holdAsGiven(raw.actions.disableBcUser),
        ],
        raw.watchMinutes,
        raw.reason,
        raw.requestedBy ?? null,
        raw.ticket ? [raw.ticket.system, raw.ticket.number, raw.ticket.id ?? null] : null,
        raw.callbackUrl ?? null,
        raw.dryRun,
        ...typesPart(raw.environmentTypes),
    ]);
    return createHash('sha256').update(canonical).digest('hex');
}

/**
 * The environment types as a trailing part of a canonical form, only when given: a request without them keeps the
 * hash and derived id it had before types existed, so a resubmission across an upgrade is the same request.
 */
function typesPart(types: readonly EnvironmentType[] | undefined): EnvironmentType[][] {
    return types ? [[...new Set(types)].sort()] : [];
}

type RawRequest = z.infer<ReturnType<typeof requestInputSchema>>;

/** A hold in a fixed member order; `until` as an instant, so two spellings of one time are one request. */
function holdAsGiven(hold: z.infer<typeof holdSchema>): unknown[] {
    switch (hold.mode) {
        case 'off':
        case 'permanent':
            return [hold.mode];
        case 'for':
            return [hold.mode, hold.minutes];
        case 'until':
            return [hold.mode, new Date(hold.until).toISOString()];
    }
}

/** A valid request, and the hash that tells a resubmission of it from another request under the same id. */
export interface ParsedRequest {
    value: SignOutRequest;
    contentSha256: string;
}

export type ParseResult = ({ ok: true } & ParsedRequest) | { ok: false; problems: FieldProblem[] };

export interface ParseOptions {
    /**
     * The id of a request that names neither `requestId` nor `ticket`: `random` (HTTP, CLI: each submission is a new
     * request, and the caller is told its id) or `content` (queue messages: every delivery of one message, and a
     * sender's retry of it, is the same request).
     */
    idWithoutTicket?: 'random' | 'content';
}

/** Validates and normalises raw input (already JSON-parsed). Returns problems as a value, never throws. */
export function parseSignOutRequest(
    input: unknown,
    policy: RequestPolicy,
    now: Date = new Date(),
    options: ParseOptions = {},
): ParseResult {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        return { ok: false, problems: [{ field: '(body)', reason: 'must be a JSON object' }] };
    }
    const parsed = requestInputSchema(policy).safeParse(input);
    if (!parsed.success) return { ok: false, problems: toProblems(parsed.error) };
    const raw = parsed.data;
    const problems: FieldProblem[] = [];
    const actions: SignOutActions = {
        revokeSessions: raw.actions.revokeSessions,
        cancelBcSessions: raw.actions.cancelBcSessions,
        blockSignIn: normaliseHold(raw.actions.blockSignIn, now),
        disableBcUser: normaliseHold(raw.actions.disableBcUser, now),
    };
    for (const [field, hold] of [
        ['actions.blockSignIn.until', actions.blockSignIn],
        ['actions.disableBcUser.until', actions.disableBcUser],
    ] as const) {
        if (hold.kind === 'until' && Date.parse(hold.until) <= now.getTime())
            problems.push({ field, reason: 'must be in the future' });
    }
    // `environments` defaults to "all", so whether it was given is read from the input itself.
    if (raw.environmentTypes && (input as Record<string, unknown>).environments !== undefined)
        problems.push({
            field: 'environmentTypes',
            reason: 'must not be given with environments: choose environments by name or by type, not both',
        });
    if (
        Object.values(actions).every(
            (action) => action === false || (typeof action === 'object' && action.kind === 'off'),
        )
    )
        problems.push({ field: 'actions', reason: 'must ask for at least one action' });
    if (problems.length > 0) return { ok: false, problems };

    const users = foldUsers(raw.users);
    const environments = raw.environments === 'all' ? 'all' : foldUsers(raw.environments);
    const environmentTypes = raw.environmentTypes && [...new Set(raw.environmentTypes)];
    const tenantId = (raw.tenantId ?? policy.defaultTenantId).toLowerCase();
    const contentSha256 = requestContentSha256(raw, tenantId);
    const requestId =
        raw.requestId ??
        (raw.ticket
            ? // The actions as given: a relative hold must not make a redelivered message look like new work.
              deriveRequestId(raw.ticket, {
                  users,
                  environments,
                  ...(environmentTypes && { environmentTypes }),
                  actions: raw.actions,
                  dryRun: raw.dryRun,
              })
            : options.idWithoutTicket === 'content'
              ? `msg-${contentSha256.slice(0, 32)}`
              : randomUUID());
    const value: SignOutRequest = {
        schemaVersion: REQUEST_SCHEMA_VERSION,
        requestId,
        tenantId,
        users,
        environments,
        ...(environmentTypes && { environmentTypes }),
        applicationFamily: raw.applicationFamily,
        actions,
        watchMinutes: raw.watchMinutes,
        reason: raw.reason,
        dryRun: raw.dryRun,
        submittedAt: now.toISOString(),
        ...(raw.requestedBy !== undefined && { requestedBy: raw.requestedBy }),
        ...(raw.ticket !== undefined && { ticket: raw.ticket }),
        ...(raw.callbackUrl !== undefined && { callbackUrl: raw.callbackUrl }),
    };
    return { ok: true, value, contentSha256 };
}
