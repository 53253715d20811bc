import { QueueClient } from '@azure/storage-queue';
import { deliverMessage, type CapturedLog, type PumpReport, type QueueHandler } from '../../support/hostEmulation';

export interface ConcurrentPumpOptions {
    /** Messages handled at once, like the host's `batchSize` over several instances. */
    concurrency: number;
    maxDequeueCount?: number;
    /** The pump gives up (throws) past this, so a stuck queue cannot hang the suite. */
    timeoutInMs: number;
    logs?: CapturedLog[];
}

/**
 * `pumpQueue` with several messages in flight: workers each take one message at a time, as several host instances
 * would. A failed delivery is made visible again at once; after `maxDequeueCount` deliveries the message moves to
 * `<queue>-poison`. Ends when the queue is empty and no worker is busy.
 */
export async function pumpConcurrently(
    connectionString: string,
    queueName: string,
    handler: QueueHandler,
    options: ConcurrentPumpOptions,
): Promise<PumpReport> {
    const queue = new QueueClient(connectionString, queueName);
    const poison = new QueueClient(connectionString, `${queueName}-poison`);
    await poison.createIfNotExists();
    const maxDequeueCount = options.maxDequeueCount ?? 5;
    const deadline = Date.now() + options.timeoutInMs;
    const report: PumpReport = { handled: 0, failedAttempts: 0, poisoned: 0 };
    let busy = 0;

    const worker = async () => {
        while (Date.now() < deadline) {
            const { receivedMessageItems } = await queue.receiveMessages({
                numberOfMessages: 1,
                visibilityTimeout: 300,
            });
            const message = receivedMessageItems[0];
            if (!message) {
                // Hidden messages still count, so zero means every message was deleted.
                const { approximateMessagesCount } = await queue.getProperties();
                if (!approximateMessagesCount && busy === 0) return;
                await new Promise((resolve) => setTimeout(resolve, 100));
                continue;
            }
            busy++;
            try {
                await deliverMessage(message, { queue, poison, handler, maxDequeueCount, report, logs: options.logs });
            } finally {
                busy--;
            }
        }
        throw new Error(`the queue ${queueName} was not drained within ${options.timeoutInMs} ms`);
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    return report;
}
