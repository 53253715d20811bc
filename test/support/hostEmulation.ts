import { randomUUID } from 'node:crypto';
import { HttpRequest, InvocationContext, type HttpResponseInit, type TraceContext } from '@azure/functions';
import { QueueClient, type DequeuedMessageItem } from '@azure/storage-queue';

/**
 * The little of the Functions host that tests and the demo need: build HTTP requests for the exported handlers,
 * and pump a Storage queue into the queue handler the way the host does (base64 decode, JSON parse, retry on throw,
 * poison after maxDequeueCount).
 */
export interface CapturedLog {
    level: string;
    message: string;
}

/** `traceContext`: the W3C trace context the host gives an invocation (its request span). */
export function invocationContext(
    functionName: string,
    triggerMetadata: Record<string, unknown> = {},
    logs: CapturedLog[] = [],
    traceContext?: TraceContext,
): InvocationContext {
    return new InvocationContext({
        invocationId: randomUUID(),
        functionName,
        triggerMetadata,
        logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(' ') }),
        ...(traceContext && { traceContext }),
    });
}

export function httpRequest(
    method: string,
    url: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
): HttpRequest {
    const body =
        options.body === undefined
            ? undefined
            : typeof options.body === 'string'
              ? options.body
              : JSON.stringify(options.body);
    return new HttpRequest({
        method,
        url,
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...options.headers },
        ...(body !== undefined && { body: { string: body } }),
    });
}

export interface PlainResponse {
    status: number;
    headers: Record<string, string>;
    body: unknown;
}

export function plain(response: HttpResponseInit): PlainResponse {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries((response.headers as Record<string, string> | undefined) ?? {}))
        headers[name.toLowerCase()] = value;
    return { status: response.status ?? 200, headers, body: response.jsonBody ?? response.body };
}

export type QueueHandler = (message: unknown, context: InvocationContext) => Promise<void>;

/** The host's default: messages are base64 text; JSON payloads reach the handler parsed (platform-facts §5). */
export function decodeHostMessage(messageText: string): unknown {
    const text = Buffer.from(messageText, 'base64').toString('utf8');
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return text;
    }
}

export interface PumpReport {
    handled: number;
    failedAttempts: number;
    poisoned: number;
}

export interface Delivery {
    queue: QueueClient;
    poison: QueueClient;
    handler: QueueHandler;
    maxDequeueCount: number;
    report: PumpReport;
    logs?: CapturedLog[] | undefined;
}

/**
 * One delivery, as the host makes it: the handler gets the decoded message; on success the message is deleted; a
 * throw makes it visible again at once, or moves it to `<queue>-poison` after `maxDequeueCount` deliveries.
 */
export async function deliverMessage(message: DequeuedMessageItem, delivery: Delivery): Promise<void> {
    const { queue, poison, report } = delivery;
    const context = invocationContext(
        'runQueuedSignOut',
        { dequeueCount: message.dequeueCount, id: message.messageId },
        delivery.logs,
    );
    try {
        await delivery.handler(decodeHostMessage(message.messageText), context);
        await queue.deleteMessage(message.messageId, message.popReceipt);
        report.handled++;
    } catch {
        report.failedAttempts++;
        if (message.dequeueCount >= delivery.maxDequeueCount) {
            await poison.createIfNotExists();
            await poison.sendMessage(message.messageText);
            await queue.deleteMessage(message.messageId, message.popReceipt);
            report.poisoned++;
        } else {
            await queue.updateMessage(message.messageId, message.popReceipt, undefined, 0);
        }
    }
}

/**
 * Delivers every message until the queue is empty. A handler that throws leaves the message for another delivery;
 * after `maxDequeueCount` deliveries it moves to `<queue>-poison`, as the host does.
 */
export async function pumpQueue(
    connectionString: string,
    queueName: string,
    handler: QueueHandler,
    options: { maxDequeueCount?: number; logs?: CapturedLog[] } = {},
): Promise<PumpReport> {
    const queue = new QueueClient(connectionString, queueName);
    const poison = new QueueClient(connectionString, `${queueName}-poison`);
    const maxDequeueCount = options.maxDequeueCount ?? 5;
    const report: PumpReport = { handled: 0, failedAttempts: 0, poisoned: 0 };
    for (;;) {
        // Hidden while handled, as the host does; a failed delivery is made visible again at once below.
        const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 16, visibilityTimeout: 300 });
        if (receivedMessageItems.length === 0) {
            const { approximateMessagesCount } = await queue.getProperties();
            if (!approximateMessagesCount) return report;
            await new Promise((resolve) => setTimeout(resolve, 200));
            continue;
        }
        for (const message of receivedMessageItems)
            await deliverMessage(message, { queue, poison, handler, maxDequeueCount, report, logs: options.logs });
    }
}

/** What an ITSM tool does: put a base64-encoded JSON message on the queue. */
export async function sendQueueMessage(connectionString: string, queueName: string, payload: unknown): Promise<void> {
    const queue = new QueueClient(connectionString, queueName);
    await queue.createIfNotExists();
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    await queue.sendMessage(Buffer.from(text, 'utf8').toString('base64'));
}
