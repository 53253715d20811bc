import { ServiceError } from '../../core/errors';
import type { SendOptions, ServiceHttpClient } from '../http/serviceHttpClient';
import { collectionItems, nextLinkOf } from './fields';

/**
 * Every item of a collection, following `@odata.nextLink` (none is documented, so it is followed only when present),
 * and only on the configured endpoint: a link elsewhere would carry our token away. Each item is read into `toItem`'s
 * shape as its bytes arrive (undefined: left out), so a listing of tens of thousands of sessions is never held whole
 * as text or parsed JSON; an answer that is not a collection is read whole, as one item.
 */
export async function listAllPages<T>(
    http: ServiceHttpClient,
    url: string,
    endpoint: string,
    toItem: (item: unknown) => T | undefined,
    options: Pick<SendOptions, 'limiter'> = {},
): Promise<T[]> {
    const items: T[] = [];
    const origin = new URL(endpoint).origin;
    let next: string | undefined = url;
    while (next) {
        const response = await http.sendOk('GET', next, { ...options, toItem });
        for (const item of response.items ?? []) items.push(item);
        // What was not streamed: a bare object, or a collection under a key the reader does not know.
        for (const raw of collectionItems(response.body)) {
            const item = toItem(raw);
            if (item !== undefined) items.push(item);
        }
        next = nextLinkOf(response.body);
        if (next && new URL(next, origin).origin !== origin)
            throw new ServiceError(
                http.service,
                response.status,
                'foreign-next-link',
                'A next-page link pointed outside the endpoint',
            );
    }
    return items;
}
