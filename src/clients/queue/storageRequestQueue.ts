import type { TokenCredential } from '@azure/identity';
import type * as StorageQueue from '@azure/storage-queue';
import type { QueueClient } from '@azure/storage-queue';
import { ServiceError, TransientServiceError } from '../../core/errors';
import type { PoisonMessage, RequestQueue, WorkItem } from '../../core/ports/requestQueue';

export type QueueConnection = { connectionString: string } | { queueServiceUri: string; credential: TokenCredential };

/**
 * The request queue on Azure Storage. Messages are base64-encoded because the Functions host decodes base64 by
 * default (platform-facts §5).
 */
export class StorageRequestQueue implements RequestQueue {
    private constructor(
        private readonly queue: QueueClient,
        private readonly poison: QueueClient,
    ) {}

    static async create(connection: QueueConnection, queueName: string): Promise<StorageRequestQueue> {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { QueueServiceClient } = require('@azure/storage-queue') as typeof StorageQueue;
        const service =
            'connectionString' in connection
                ? QueueServiceClient.fromConnectionString(connection.connectionString)
                : new QueueServiceClient(connection.queueServiceUri, connection.credential);
        const queue = service.getQueueClient(queueName);
        const poison = service.getQueueClient(`${queueName}-poison`);
        await guard(() => Promise.all([queue.createIfNotExists(), poison.createIfNotExists()]));
        return new StorageRequestQueue(queue, poison);
    }

    async enqueue(item: WorkItem, options: { visibleInMs?: number } = {}): Promise<void> {
        const text = Buffer.from(JSON.stringify(item), 'utf8').toString('base64');
        // Storage takes whole seconds, at most 7 days; a message is never hidden longer than asked plus one second.
        const visibilityTimeout = options.visibleInMs ? Math.min(Math.ceil(options.visibleInMs / 1000), 604_800) : 0;
        await guard(() => this.queue.sendMessage(text, visibilityTimeout > 0 ? { visibilityTimeout } : {}));
    }

    async receivePoison(max: number): Promise<PoisonMessage[]> {
        const response = await guard(() =>
            this.poison.receiveMessages({ numberOfMessages: Math.min(32, max), visibilityTimeout: 300 }),
        );
        return response.receivedMessageItems.map((message) => ({
            messageId: message.messageId,
            popReceipt: message.popReceipt,
            text: decodeMessage(message.messageText),
            dequeueCount: message.dequeueCount,
            ...(message.insertedOn && { insertedOn: message.insertedOn.toISOString() }),
        }));
    }

    async deletePoison(message: PoisonMessage): Promise<void> {
        await guard(() => this.poison.deleteMessage(message.messageId, message.popReceipt));
    }
}

/** A poisoned message keeps the sender's encoding: base64 when it decodes cleanly to text, else as it is. */
export function decodeMessage(text: string): string {
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0) {
        const decoded = Buffer.from(text, 'base64').toString('utf8');
        if (!decoded.includes('\uFFFD')) return decoded;
    }
    return text;
}

async function guard<T>(call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        const code = (error as { code?: string }).code ?? `http-${status ?? 'none'}`;
        if (status === undefined || status >= 500 || status === 429)
            throw new TransientServiceError('storage', status, code, `Queue storage failed: ${code}`, undefined);
        throw new ServiceError('storage', status, code, `Queue storage answered ${status} ${code}`);
    }
}
