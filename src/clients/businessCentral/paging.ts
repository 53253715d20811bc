import { ServiceError } from '../../core/errors';
import type { SendOptions, ServiceHttpClient } from '../http/serviceHttpClient';
import { collectionItems, nextLinkOf } from './fields';

/**
 * Every item of a collection, following `@odata.nextLink` (none is documented, so it is followed only when present),
 * and only on the configured endpoint: a link elsewhere would carry our token away.
 */
export async function listAllPages(
    http: ServiceHttpClient,
    url: string,
    endpoint: string,
    options: Pick<SendOptions, 'limiter'> = {},
): Promise<unknown[]> {
    const items: unknown[] = [];
    const origin = new URL(endpoint).origin;
    let next: string | undefined = url;
    while (next) {
        const response = await http.sendOk('GET', next, options);
        items.push(...collectionItems(response.body));
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
