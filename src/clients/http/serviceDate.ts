/**
 * The time a service says it is: the `Date` header of an unauthenticated GET (whole seconds, RFC 7231). Only the
 * header is read; the body is discarded.
 */
export async function readServiceDate(url: string, timeoutInMs: number): Promise<Date> {
    const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutInMs) });
    await response.body?.cancel();
    const header = response.headers.get('date');
    const at = header === null ? Number.NaN : Date.parse(header);
    if (Number.isNaN(at)) throw Object.assign(new Error('The answer has no Date header'), { code: 'no-date-header' });
    return new Date(at);
}
