import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The bad-input corpus (`corpus/badRequests.json`): each case is a body that every entry point must refuse. A body is
 * `raw` text, a JSON `body`, or `generate`d when it is too big to keep as data.
 */
export interface BadRequestCase {
    name: string;
    raw?: string;
    body?: unknown;
    generate?: { users?: number; environments?: number; padding?: number };
    /** Content-Type sent over HTTP; `null` sends none. Default `application/json`. */
    contentType?: string | null;
    /** The HTTP status of `acceptSignOut` and `previewSignOut`. */
    expect: 400 | 413 | 415;
    /** For a 400: the field a detail must name (or, for an unknown field, mention in its reason). */
    field?: string;
    /** False when the case cannot be a queue message (wrong content type, too big, empty). Default true. */
    queue?: boolean;
}

export function loadBadRequests(): BadRequestCase[] {
    const file = path.join(__dirname, '..', 'corpus', 'badRequests.json');
    return JSON.parse(readFileSync(file, 'utf8')) as BadRequestCase[];
}

function generated(spec: NonNullable<BadRequestCase['generate']>): unknown {
    const request: Record<string, unknown> = { users: ['alice@contoso.com'], reason: 'compromised' };
    if (spec.users) request.users = Array.from({ length: spec.users }, (_, i) => `user${i + 1}@contoso.com`);
    if (spec.environments) request.environments = Array.from({ length: spec.environments }, (_, i) => `ENV${i + 1}`);
    if (spec.padding) request.reason = 'r'.repeat(spec.padding);
    return request;
}

/** The text of the body, as it goes over HTTP or onto the queue. */
export function bodyText(badCase: BadRequestCase): string {
    if (badCase.raw !== undefined) return badCase.raw;
    return JSON.stringify(badCase.generate ? generated(badCase.generate) : badCase.body);
}
