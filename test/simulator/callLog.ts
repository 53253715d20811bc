export type ServiceName = 'identity' | 'graph' | 'bc-admin' | 'bc-automation';

/** One call the simulator received, logged in arrival order. */
export interface RecordedCall {
    service: ServiceName;
    method: string;
    /** Decoded path after the service prefix (`/graph`, `/bc`), without query; identity paths are whole. */
    path: string;
    /** Query string without `?`, as sent. */
    query: string;
    /** 0 while the call is in flight, and for good when the connection was dropped without an answer. */
    status: number;
    /** Simulator time the call arrived. */
    at: number;
    /** A `$batch` item; the batch itself is recorded too (`POST /v1.0/$batch`). */
    viaBatch?: boolean;
    /** `graph` or `bc`: the resource of the bearer token (or, for the token endpoint, of the token asked for). */
    resource?: string;
    /** Kinds of injected faults applied to this call. */
    faults?: string[];
    /** For a Graph call on `/users/{id | userPrincipalName}...`: the object id of the user it named, if one exists. */
    userId?: string;
}

/** Calls to one service, optionally narrowed by method and by path (a RegExp, or a substring). */
export function filterCalls(
    calls: readonly RecordedCall[],
    service: ServiceName,
    method?: string,
    pathPattern?: RegExp | string,
): RecordedCall[] {
    return calls.filter(
        (call) =>
            call.service === service &&
            (method === undefined || call.method === method.toUpperCase()) &&
            (pathPattern === undefined ||
                (typeof pathPattern === 'string' ? call.path.includes(pathPattern) : pathPattern.test(call.path))),
    );
}
