import { STORED_REQUEST_ID_PATTERN } from '../core/request/patterns';
import type { FieldProblem } from '../core/errors';
import { TICKET_SYSTEMS } from '../core/request/signOutRequest';

/** A hold as the request schema takes it (`actions.blockSignIn`, `actions.disableBcUser`). */
export type HoldInput =
    { mode: 'off' } | { mode: 'permanent' } | { mode: 'for'; minutes: number } | { mode: 'until'; until: string };

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: FieldProblem };

const MINUTES_PER_UNIT: Record<string, number> = { m: 1, h: 60, d: 1_440 };

/**
 * `60m`, `2h`, `1d`, `until:<ISO time>`, `permanent` or `off`. Only the syntax is checked here; limits and the
 * time itself are the schema's to judge, so every entry point refuses the same things with the same words.
 */
export function parseHold(option: string, text: string): Parsed<HoldInput> {
    const value = text.trim();
    const lower = value.toLowerCase();
    if (lower === 'permanent' || lower === 'off') return { ok: true, value: { mode: lower } };
    if (lower.startsWith('until:'))
        return { ok: true, value: { mode: 'until', until: value.slice('until:'.length).trim() } };
    const relative = /^(\d{1,7})\s*([mhd])$/.exec(lower);
    if (relative)
        return { ok: true, value: { mode: 'for', minutes: Number(relative[1]) * MINUTES_PER_UNIT[relative[2]!]! } };
    return {
        ok: false,
        problem: {
            field: option,
            reason: `"${text}" is not a duration: use 60m, 2h, 1d, until:2030-01-31T18:00:00Z, permanent or off`,
        },
    };
}

export interface TicketInput {
    system: string;
    number: string;
}

/** `servicenow:INC0012345`: the system, then the ticket number. */
export function parseTicket(option: string, text: string): Parsed<TicketInput> {
    const match = /^([^:]+):(.+)$/.exec(text.trim());
    if (!match)
        return {
            ok: false,
            problem: {
                field: option,
                reason: `must be <system>:<number>, e.g. servicenow:INC0012345 (systems: ${TICKET_SYSTEMS.join(', ')})`,
            },
        };
    return { ok: true, value: { system: match[1]!.trim().toLowerCase(), number: match[2]!.trim() } };
}

export function parseWholeNumber(option: string, text: string): Parsed<number> {
    if (!/^\d{1,9}$/.test(text.trim()))
        return { ok: false, problem: { field: option, reason: `"${text}" is not a whole number` } };
    return { ok: true, value: Number(text.trim()) };
}

export function parseInstant(option: string, text: string): Parsed<Date> {
    const value = new Date(text);
    // Bare numbers would parse as years or epoch milliseconds; an ISO time has at least a date.
    if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(value.getTime()))
        return {
            ok: false,
            problem: { field: option, reason: `"${text}" is not an ISO 8601 date-time, e.g. 2030-01-31T18:00:00Z` },
        };
    return { ok: true, value };
}

/** Collects problems while reading options, so one run names every bad option at once. */
export class ProblemList {
    readonly problems: FieldProblem[] = [];

    private take<T>(parsed: Parsed<T>): T | undefined {
        if (parsed.ok) return parsed.value;
        this.problems.push(parsed.problem);
        return undefined;
    }

    /** An option that may be absent: undefined when it is, or when it does not parse (the problem is kept). */
    optional<T>(text: string | undefined, parse: (text: string) => Parsed<T>): T | undefined {
        return text === undefined ? undefined : this.take(parse(text));
    }

    add(field: string, reason: string): void {
        this.problems.push({ field, reason });
    }
}

/** The one request id a command names, or why the arguments are not that. */
export function singleRequestId(positionals: readonly string[]): Parsed<string> {
    const [requestId, ...extra] = positionals;
    if (!requestId || extra.length > 0)
        return { ok: false, problem: { field: 'requestId', reason: 'name exactly one request id' } };
    if (!STORED_REQUEST_ID_PATTERN.test(requestId))
        return { ok: false, problem: { field: 'requestId', reason: `"${requestId}" is not a request id` } };
    return { ok: true, value: requestId };
}

/** `--from` and `--to`, both required and in order; undefined (with the problems kept) otherwise. */
export function parseRange(
    from: string | undefined,
    to: string | undefined,
    problems: ProblemList,
): { from: Date; to: Date } | undefined {
    if (from === undefined) problems.add('--from', 'is required');
    if (to === undefined) problems.add('--to', 'is required');
    const start = problems.optional(from, (text) => parseInstant('--from', text));
    const end = problems.optional(to, (text) => parseInstant('--to', text));
    if (start && end && start >= end) problems.add('--from', 'must be before --to');
    return start && end && problems.problems.length === 0 ? { from: start, to: end } : undefined;
}

export type ArgumentsResult<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Runs `parseArgs` and turns its thrown usage errors (unknown option, missing value) into a value, so the caller
 * maps them to the usage exit code in one place.
 */
export function readArguments<T>(parse: () => T): ArgumentsResult<T> {
    try {
        return { ok: true, value: parse() };
    } catch (error) {
        // Checked by code, not class: under a test runner's sandbox Node's TypeError is another realm's.
        const code = (error as { code?: unknown } | null)?.code;
        if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw error;
        // Node adds advice on `--` to unknown options; the first sentence is what was wrong.
        return { ok: false, message: `${(error as Error).message.split('. ')[0]!.replace(/\.$/, '')}.` };
    }
}
