import { hostname } from 'node:os';
import { app, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { quoted } from '../core/logText';

/**
 * Queue trigger: work items from the HTTP API and whole requests from ITSM tools. An invalid message is recorded
 * `rejected` and consumed; anything thrown makes the host deliver it again, up to `maxDequeueCount`, then to
 * `<queue>-poison`, which the sweep reports as `dead-lettered`.
 */
export async function runQueuedSignOut(message: unknown, context: InvocationContext): Promise<void> {
    const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1) || 1;
    const { receiveQueueMessage } = await import('../core/service/receiveQueueMessage');
    const outcome = await receiveQueueMessage(
        message,
        { dequeueCount, owner: `${hostname()}:${context.invocationId}` },
        await services(),
    );
    switch (outcome.kind) {
        case 'rejected':
            context.warn(
                `message rejected as ${outcome.record.requestId}: ${outcome.problems.map((p) => `${quoted(p.field)} ${quoted(p.reason)}`).join('; ')}`,
            );
            return;
        case 'finished':
            context.log(
                `sign-out ${quoted(outcome.record.requestId)} finished: ${outcome.record.state} (attempt ${dequeueCount})`,
            );
            return;
        case 'already-final':
            context.log(
                `sign-out ${quoted(outcome.record.requestId)} was already ${outcome.record.state}; nothing to do`,
            );
            return;
        case 'unknown-request':
            return;
    }
}

app.storageQueue('runQueuedSignOut', {
    queueName: '%SIGNOUT_QUEUE_NAME%',
    connection: 'AzureWebJobsStorage',
    handler: runQueuedSignOut,
});
