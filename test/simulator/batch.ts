import { graphError } from './errorBodies';
import {
    decodeSegments,
    isJsonContentType,
    isPlainObject,
    jsonResponse,
    parseJsonBody,
    type SimRequest,
    type SimResponse,
} from './http';
import { shuffled } from './random';

/** What a call came to: an answer, or a connection destroyed without one (`drop` fault). */
export type CallOutcome = SimResponse | 'drop';

export interface BatchDeps {
    /** Runs one item through the same pipeline as a direct call (faults, handlers, call log with `viaBatch`). */
    runItem(req: SimRequest): Promise<CallOutcome>;
    /** Logs an item answered by the batch itself, without reaching a handler (bad item, failed dependency). */
    recordItem(req: SimRequest, status: number): void;
    random: () => number;
    /** Status of the whole batch when an item was throttled (`SimulatorOptions.throttledBatchStatus`). */
    throttledBatchStatus: 200 | 424 | 429;
}

interface BatchItem {
    id: string;
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: unknown;
    dependsOn: string[];
}

const MAX_REQUESTS = 20;

const badBatch = (message: string) => graphError(400, 'BadRequest', message);

/**
 * `POST /v1.0/$batch` (platform-facts §1): at most 20 items with unique ids, urls relative to the version, a body
 * needs a Content-Type; items fail on their own (including 429 with their own Retry-After), a failed dependency
 * answers 424, the batch answers 200 (or `throttledBatchStatus` when an item was throttled, with every item's answer
 * still in the body), and answers come back in an order other than the request order.
 */
export async function handleBatch(req: SimRequest, deps: BatchDeps): Promise<CallOutcome> {
    if (req.method !== 'POST') {
        return graphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
    }
    if (!isJsonContentType(req.headers['content-type'])) {
        return graphError(415, 'UnsupportedMediaType', 'The request needs Content-Type: application/json.');
    }
    const parsed = parseJsonBody(req.body);
    if (!parsed.ok) return badBatch(parsed.problem);
    const items = parseItems(parsed.value);
    if (typeof items === 'string') return badBatch(items);

    const byId = new Map(items.map((item) => [item.id, item]));
    const running = new Map<string, Promise<CallOutcome>>();
    const run = (item: BatchItem): Promise<CallOutcome> => {
        let outcome = running.get(item.id);
        if (!outcome) {
            outcome = runItem(item, byId, run, deps);
            running.set(item.id, outcome);
        }
        return outcome;
    };
    const outcomes = await Promise.all(items.map(run));
    if (outcomes.includes('drop')) return 'drop';

    const answers = outcomes as SimResponse[];
    const responses = items.map((item, index) => itemAnswer(item.id, answers[index] as SimResponse));
    const body = { responses: shuffled(responses, deps.random) };
    const throttled = answers.filter((answer) => answer.status === 429);
    if (throttled.length === 0 || deps.throttledBatchStatus === 200) return jsonResponse(200, body);
    if (deps.throttledBatchStatus === 424) return jsonResponse(424, body);
    // A batch that answers 429 carries the longest `Retry-After` of its throttled items, as a throttled call would.
    const retryAfter = Math.max(...throttled.map((answer) => Number(headerValue(answer.headers, 'retry-after') ?? 0)));
    return jsonResponse(429, body, { 'Retry-After': String(retryAfter) });
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
    const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
    return key === undefined ? undefined : headers[key];
}

async function runItem(
    item: BatchItem,
    byId: Map<string, BatchItem>,
    run: (item: BatchItem) => Promise<CallOutcome>,
    deps: BatchDeps,
): Promise<CallOutcome> {
    const dependencies = await Promise.all(item.dependsOn.map((id) => run(byId.get(id) as BatchItem)));
    if (dependencies.includes('drop')) return 'drop';
    const req = itemRequest(item);
    if (typeof req === 'string') {
        const failed = graphError(400, 'BadRequest', req);
        deps.recordItem(emptyItemRequest(item), failed.status);
        return failed;
    }
    if (dependencies.some((outcome) => (outcome as SimResponse).status >= 300)) {
        deps.recordItem(req, 424);
        return graphError(424, 'FailedDependency', 'A request this one depends on failed.');
    }
    if (item.body !== undefined && req.headers['content-type'] === undefined) {
        deps.recordItem(req, 400);
        return graphError(400, 'BadRequest', `Request id ${item.id} has a body but no Content-Type header.`);
    }
    return deps.runItem(req);
}

/** A 204 item carries no `body` (platform-facts §1). */
function itemAnswer(id: string, response: SimResponse): Record<string, unknown> {
    const headers: Record<string, string> = { ...response.headers };
    if (response.body === undefined) return { id, status: response.status, headers };
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
        headers['Content-Type'] = 'application/json';
    }
    return { id, status: response.status, headers, body: response.body };
}

/** The items, or why the whole batch is refused. */
function parseItems(value: unknown): BatchItem[] | string {
    if (!isPlainObject(value) || !Array.isArray(value.requests)) {
        return "Invalid batch payload format: a 'requests' array is required.";
    }
    const raw = value.requests as unknown[];
    if (raw.length === 0) return 'Invalid batch payload format: the batch holds no requests.';
    if (raw.length > MAX_REQUESTS) {
        return `The batch holds ${raw.length} requests; at most ${MAX_REQUESTS} are allowed.`;
    }
    const items: BatchItem[] = [];
    for (const entry of raw) {
        if (!isPlainObject(entry)) return 'Invalid batch payload format: every request must be an object.';
        const { id, method, url, headers, body, dependsOn } = entry;
        if (typeof id !== 'string' || id === '')
            return "Invalid batch payload format: every request needs a string 'id'.";
        if (typeof method !== 'string' || typeof url !== 'string' || url === '') {
            return `Invalid batch payload format: request ${id} needs 'method' and 'url'.`;
        }
        if (headers !== undefined && !isStringRecord(headers)) {
            return `Invalid batch payload format: the headers of request ${id} must be strings.`;
        }
        if (dependsOn !== undefined && !(Array.isArray(dependsOn) && dependsOn.every((d) => typeof d === 'string'))) {
            return `Invalid batch payload format: 'dependsOn' of request ${id} must be an array of ids.`;
        }
        if (items.some((item) => item.id === id)) return `Request id ${id} is used more than once in the batch.`;
        const lowerHeaders: Record<string, string> = {};
        for (const [name, headerValue] of Object.entries(headers ?? {})) lowerHeaders[name.toLowerCase()] = headerValue;
        items.push({
            id,
            method: method.toUpperCase(),
            url,
            headers: lowerHeaders,
            body,
            dependsOn: (dependsOn as string[] | undefined) ?? [],
        });
    }
    const ids = new Set(items.map((item) => item.id));
    for (const item of items) {
        const unknown = item.dependsOn.find((id) => !ids.has(id));
        if (unknown !== undefined) return `Request ${item.id} depends on ${unknown}, which is not in the batch.`;
    }
    return hasCycle(items) ? "The batch's dependsOn references form a cycle." : items;
}

const isStringRecord = (value: unknown): value is Record<string, string> =>
    isPlainObject(value) && Object.values(value).every((item) => typeof item === 'string');

function hasCycle(items: BatchItem[]): boolean {
    const byId = new Map(items.map((item) => [item.id, item]));
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (id: string): boolean => {
        if (state.get(id) === 'done') return false;
        if (state.get(id) === 'visiting') return true;
        state.set(id, 'visiting');
        const cyclic = (byId.get(id) as BatchItem).dependsOn.some(visit);
        state.set(id, 'done');
        return cyclic;
    };
    return items.some((item) => visit(item.id));
}

/**
 * An item url is relative to the version (`/users/x`); the version is prepended here, so an item that repeats it
 * (`/v1.0/users/x`) reaches Graph's 400 "Resource not found for the segment 'v1.0'" (platform-facts §1).
 */
function itemRequest(item: BatchItem): SimRequest | string {
    const relative = item.url.startsWith('/') ? item.url : `/${item.url}`;
    const queryStart = relative.indexOf('?');
    const rawPath = `/v1.0${queryStart < 0 ? relative : relative.slice(0, queryStart)}`;
    const rawQuery = queryStart < 0 ? '' : relative.slice(queryStart + 1);
    const segments = decodeSegments(rawPath);
    if (!segments) return `The url of request ${item.id} is not valid percent-encoding.`;
    const body = item.body === undefined ? '' : typeof item.body === 'string' ? item.body : JSON.stringify(item.body);
    return {
        method: item.method,
        path: `/${segments.join('/')}`,
        segments,
        rawQuery,
        query: new URLSearchParams(rawQuery),
        headers: item.headers,
        body,
    };
}

function emptyItemRequest(item: BatchItem): SimRequest {
    return {
        method: item.method,
        path: item.url,
        segments: [],
        rawQuery: '',
        query: new URLSearchParams(),
        headers: item.headers,
        body: '',
    };
}
