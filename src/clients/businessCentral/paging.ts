import { ServiceError } from '../../core/errors';
import type { SendOptions, ServiceHttpClient } from '../http/serviceHttpClient';
import { collectionItems, nextLinkOf } from './fields';

/**
 * Every item of a collection, following `@odata.nextLink` (none is documented, so it is followed only when present),
 * and only on the configured endpoint: a link elsewhere would carry our token away. Each page's items are read into
 * `toItem`'s shape at once (undefined: left out), so a listing of tens of thousands of sessions is held as parsed
 * JSON one page at a time.
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
        const response = await http.sendOk('GET', next, options);
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
