import type { HttpRequest } from '@azure/functions';
import { encodePathSegment } from '../../clients/http/encodePathSegment';

/** How long Power Automate should wait between polls. */
export const POLL_AFTER_SECONDS = 10;

/** Absolute status URL for a request, on the host the caller used. */
export function statusUrlFor(request: HttpRequest, requestId: string): string {
    const url = new URL(request.url);
    return `${url.origin}/api/signouts/${encodePathSegment(requestId)}`;
}
