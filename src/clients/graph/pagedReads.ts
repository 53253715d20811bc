import { ServiceError } from '../../core/errors';
import type { ItemResult } from '../../core/ports/directory';
import type { BatchAnswer, BatchStep } from './graphBatch';

export type RunSteps = (steps: readonly BatchStep[]) => Promise<Map<string, BatchAnswer | ServiceError>>;

export interface PagedRead {
    key: string;
    /** First page, relative and without the version (as every `$batch` step url). */
    url: string;
    /** Stop after this many items (the listing is then reported incomplete). */
    maxItems?: number;
}

export interface PagedItems {
    items: unknown[];
    complete: boolean;
}

/**
 * Reads collections through `$batch`, one wave per page: every listing's first page in one round of batches, then
 * every listing's next page, and so on. `@odata.nextLink` is followed only on the Graph endpoint itself.
 */
export async function readAllPages(
    run: RunSteps,
    reads: readonly PagedRead[],
    graphEndpoint: string,
): Promise<Map<string, ItemResult<PagedItems>>> {
    const results = new Map<string, ItemResult<PagedItems>>();
    const collected = new Map<string, unknown[]>(reads.map((read) => [read.key, []]));
    const limits = new Map(reads.map((read) => [read.key, read.maxItems ?? Number.POSITIVE_INFINITY]));
    let pending = reads.map((read) => ({ key: read.key, url: read.url }));
    while (pending.length > 0) {
        const answers = await run(pending.map(({ key, url }) => ({ key, method: 'GET' as const, url })));
        const next: { key: string; url: string }[] = [];
        for (const { key } of pending) {
            const page = pageOf(answers.get(key), graphEndpoint);
            if (!page.ok) {
                results.set(key, page);
                continue;
            }
            const items = collected.get(key)!;
            items.push(...page.value.items);
            const limit = limits.get(key)!;
            if (page.value.next && items.length < limit) next.push({ key, url: page.value.next });
            else
                results.set(key, {
                    ok: true,
                    value: { items: items.slice(0, limit), complete: !page.value.next && items.length <= limit },
                });
        }
        pending = next;
    }
    return results;
}

function pageOf(
    answer: BatchAnswer | ServiceError | undefined,
    graphEndpoint: string,
): ItemResult<{ items: unknown[]; next?: string }> {
    if (answer === undefined)
        return {
            ok: false,
            error: new ServiceError('graph', undefined, 'no-answer', 'Graph gave no answer for a page'),
        };
    if (answer instanceof ServiceError) return { ok: false, error: answer };
    if (answer.status < 200 || answer.status >= 300) return { ok: false, error: graphItemError(answer) };
    const body = answer.body as { value?: unknown; '@odata.nextLink'?: unknown } | undefined;
    if (!Array.isArray(body?.value))
        return {
            ok: false,
            error: new ServiceError('graph', answer.status, 'unexpected-body', 'Graph answered a page without value'),
        };
    const link = body['@odata.nextLink'];
    if (typeof link !== 'string') return { ok: true, value: { items: body.value } };
    const relative = relativeToVersion(link, graphEndpoint);
    if (!relative)
        return {
            ok: false,
            error: new ServiceError('graph', answer.status, 'foreign-next-link', 'A next-page link left the endpoint'),
        };
    return { ok: true, value: { items: body.value, next: relative } };
}

/** `https://graph.microsoft.com/v1.0/groups/x?$skiptoken=y` → `/groups/x?$skiptoken=y`; undefined elsewhere. */
function relativeToVersion(link: string, graphEndpoint: string): string | undefined {
    const prefix = `${graphEndpoint.replace(/\/+$/, '')}/v1.0/`;
    return link.startsWith(prefix) ? `/${link.slice(prefix.length)}` : undefined;
}

/** A non-2xx item as a ServiceError carrying Graph's own code (`{error: {code}}`). */
export function graphItemError(answer: BatchAnswer): ServiceError {
    const code = (answer.body as { error?: { code?: unknown } } | undefined)?.error?.code;
    const text = typeof code === 'string' ? code : `http-${answer.status}`;
    return new ServiceError('graph', answer.status, text, `Graph answered ${answer.status} ${text}`);
}
