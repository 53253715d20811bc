import type { ServiceName } from '../errors';
import type { RequestSource } from './auditStore';

/**
 * What the service reports to the operators: spans, metrics and structured log records. The names are a contract
 * with the alert rules (`infra/core/alerts.bicep`) and the queries of `docs/operations.md` ("Telemetry names").
 * Nothing sensitive goes in: no token, secret, callback URL or signature, bearer header; no user in a metric.
 */
export interface Telemetry {
    /**
     * Runs `run` in a span named `name` (e.g. `signout.process`, `engine.resolve`): spans started inside it, and the
     * calls to other systems, are its children. `run` may add attributes once it knows them (a final status). A
     * throw marks the span failed, with the error's name and code, never its message, and is thrown on.
     */
    span<T>(name: string, attributes: SpanAttributes, run: (span: SpanScope) => Promise<T>): Promise<T>;
    /** Runs `run` as one call to another system: a dependency in Application Insights. */
    dependency<T>(call: DependencyCall, run: (span: SpanScope) => Promise<T>): Promise<T>;
    count(metric: CounterName, value: number, attributes?: MetricAttributes): void;
    gauge(metric: GaugeName, value: number): void;
    log(record: LogRecord): void;
}

export type CounterName =
    | 'signout.requests'
    | 'signout.sessions.cancelled'
    | 'signout.reconnects.cancelled'
    | 'signout.throttling.waits'
    | 'signout.dead_lettered'
    | 'signout.watches.lapsed';

export type GaugeName = 'signout.health';

/** Dimensions of a metric: kinds, never who (no user, no request id: each value would be a series of its own). */
export interface MetricAttributes {
    status?: string;
    source?: RequestSource;
    service?: ServiceName;
}

/**
 * What a span or a log record may carry. Ids, names of environments and counts only: adding a field here is the
 * one way to report something new, so each one is a decision that it is not sensitive.
 */
export interface SpanAttributes {
    requestId?: string;
    tenantId?: string;
    source?: RequestSource;
    userCount?: number;
    status?: string;
    /** A Business Central environment's name. */
    environment?: string;
    /** How many items a step handled (watches, holds, messages, batch steps). */
    itemCount?: number;
    /** The host's delivery count of a queue message. */
    attempt?: number;
    dryRun?: boolean;
    /** The HTTP status a call or an answer ended with. */
    statusCode?: number;
}

export interface SpanScope {
    set(attributes: SpanAttributes): void;
}

/**
 * One call to another system. The adapter records the URL's origin and path only (never its query, where a
 * signature may be); for a callback only its origin, since the path of a callback URL can itself be a secret.
 */
export interface DependencyCall {
    service: ServiceName;
    method: string;
    url: string;
}

export type LogLevel = 'information' | 'warning' | 'error';

/** A structured log record: `event` names what happened (`request-finished`, `watch-lapsed`, `dead-lettered`). */
export interface LogRecord extends SpanAttributes {
    level: LogLevel;
    event: string;
    /** Who asked (logs only, never a span or metric): an object or app id, a queue's name, or `unauthenticated`. */
    callerId?: string;
    /** The caller's name, as its token or its message gave it (a queue message's `requestedBy` is only claimed). */
    callerName?: string;
    /** The Functions invocation that wrote it, as the host's own records name it (`InvocationId`). */
    invocationId?: string;
    /** The line as a person reads it; values from requests quoted with `quoted` (src/core/logText.ts). */
    message: string;
}

/** What a log record says besides its level, event and text. */
export type LogAttributes = Omit<LogRecord, 'level' | 'event' | 'message'>;

const NO_SCOPE: SpanScope = { set: () => undefined };

/** Records nothing: the default when no telemetry is configured, and for tests that do not look at it. */
export const NO_TELEMETRY: Telemetry = {
    span: (_name, _attributes, run) => run(NO_SCOPE),
    dependency: (_call, run) => run(NO_SCOPE),
    count: () => undefined,
    gauge: () => undefined,
    log: () => undefined,
};
