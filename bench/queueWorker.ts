/**
 * A Functions instance for `npm run bench`: takes messages from the request queue as many at a time as the host
 * would (`batchSize` + `newBatchThreshold` of host.json), and runs them through the queue handler until the request
 * named by BENCH_REQUEST_ID is final. Prints one JSON line: messages handled and each invocation's duration. The app
 * settings come from the environment.
 */
import '../test/support/quietTestMode';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { sharedServiceDependencies } from '../src/composition/serviceDependencies';
import { FINAL_STATES } from '../src/core/result';
import { runQueuedSignOut } from '../src/functions/runQueuedSignOut';
import { deliverMessage, type PumpReport } from '../test/support/hostEmulation';

// Run from the repository's root, as the bench starts it.
const queues = (JSON.parse(readFileSync(path.resolve('host.json'), 'utf8')) as HostJson).extensions.queues;
/** The host processes up to `batchSize` + `newBatchThreshold` messages of a queue at once, per instance. */
const SLOTS = queues.batchSize + queues.newBatchThreshold;

interface HostJson {
    extensions: { queues: { batchSize: number; newBatchThreshold: number } };
}
/** The host's polling when the queue is empty, much shortened (its maxPollingInterval is 5 s). */
const POLL_IN_MS = 100;

async function main(): Promise<void> {
    const requestId = process.env.BENCH_REQUEST_ID ?? '';
    const connectionString = process.env.AzureWebJobsStorage ?? '';
    const queueName = process.env.SIGNOUT_QUEUE_NAME ?? '';
    const queue = new QueueClient(connectionString, queueName);
    const poison = new QueueClient(connectionString, `${queueName}-poison`);
    await Promise.all([queue.createIfNotExists(), poison.createIfNotExists()]);
    // A request that never ends (a failed post) must not keep the bench waiting for ever.
    const deadline = Date.now() + Number(process.env.BENCH_TIMEOUT_MS ?? 1_800_000);
    const { audit } = await sharedServiceDependencies();
    const report: PumpReport = { handled: 0, failedAttempts: 0, poisoned: 0 };
    const invocationsInMs: number[] = [];
    let done = false;

    const handler = async (message: unknown, context: Parameters<typeof runQueuedSignOut>[1]) => {
        const started = performance.now();
        try {
            await runQueuedSignOut(message, context);
        } finally {
            invocationsInMs.push(performance.now() - started);
        }
    };
    const slot = async () => {
        while (!done) {
            // Hidden while handled, as the host keeps it (it renews the message's visibility while it runs).
            const { receivedMessageItems } = await queue.receiveMessages({
                numberOfMessages: 1,
                visibilityTimeout: 600,
            });
            const message = receivedMessageItems[0];
            if (!message) {
                await new Promise((resolve) => setTimeout(resolve, POLL_IN_MS));
                continue;
            }
            await deliverMessage(message, { queue, poison, handler, maxDequeueCount: 5, report });
        }
    };
    const watch = async () => {
        while (!done) {
            const record = await audit.getRequest(requestId);
            if ((record && FINAL_STATES.includes(record.state)) || Date.now() > deadline) done = true;
            else await new Promise((resolve) => setTimeout(resolve, 500));
        }
    };
    await Promise.all([watch(), ...Array.from({ length: SLOTS }, slot)]);
    process.stdout.write(`${JSON.stringify({ ...report, invocationsInMs })}\n`);
}

main().then(
    () => process.exit(0),
    (error: unknown) => {
        console.error(
            `bench worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        process.exit(2);
    },
);
