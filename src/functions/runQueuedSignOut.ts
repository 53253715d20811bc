import { hostname } from 'node:os';
import { app, type InvocationContext } from '@azure/functions';
import { services } from '../composition/lazyServices';
import { quoted } from '../core/logText';
import type { RequestRecord } from '../core/ports/auditStore';
import { failedSteps, requestLogAttributes } from '../core/service/requestTelemetry';
import type { InvocationLog } from './telemetry/invocationLog';
import { withTelemetry } from './telemetry/withTelemetry';

/**
 * Queue trigger: work items from the HTTP API and whole requests from ITSM tools. An invalid message is recorded
 * `rejected` and consumed; anything thrown makes the host deliver it again, up to `maxDequeueCount`, then to
 * `<queue>-poison`, which the sweep reports as `dead-lettered`.
 */
export const runQueuedSignOut = withTelemetry(async function runQueuedSignOut(
    message: unknown,
    context: InvocationContext,
    log: InvocationLog,
): Promise<void> {
    const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1) || 1;
    const { receiveQueueMessage } = await import('../core/service/receiveQueueMessage');
    const outcome = await receiveQueueMessage(
        message,
        { dequeueCount, owner: `${hostname()}:${context.invocationId}` },
        await services(),
    );
    switch (outcome.kind) {
        case 'rejected':
            log.warn(
                'message-rejected',
                `message rejected as ${outcome.record.requestId}: ${outcome.problems.map((p) => `${quoted(p.field)} ${quoted(p.reason)}`).join('; ')}`,
                { ...requestLogAttributes(outcome.record), attempt: dequeueCount },
            );
            return;
        case 'finished':
            logFinished(log, outcome.record, dequeueCount);
            return;
        case 'already-final':
            log.info(
                'request-already-final',
                `sign-out ${quoted(outcome.record.requestId)} was already ${outcome.record.state}; nothing to do`,
                { ...requestLogAttributes(outcome.record), attempt: dequeueCount },
            );
            return;
        case 'sharded':
            log.info(
                'request-sharded',
                `sign-out ${quoted(outcome.record.requestId)} runs as ${outcome.record.shardCount} shards on the queue`,
                { ...requestLogAttributes(outcome.record), attempt: dequeueCount },
            );
            return;
        case 'continued':
            log.info(
                'request-continued',
                `sign-out ${quoted(outcome.record.requestId)} waits for a service's quota: handed on to a message visible in ${Math.ceil(outcome.visibleInMs / 1000)} s`,
                { ...requestLogAttributes(outcome.record), attempt: dequeueCount },
            );
            return;
        case 'unknown-request':
            return;
    }
});

/** `request-finished`, at the level of its status, naming the steps that were not done. */
function logFinished(log: InvocationLog, record: RequestRecord, attempt: number): void {
    const notDone = failedSteps(record.result);
    const message =
        `sign-out ${quoted(record.requestId)} finished: ${record.state} (attempt ${attempt})` +
        (notDone.length > 0 ? `; not done: ${notDone.map(quoted).join(', ')}` : '');
    const attributes = { ...requestLogAttributes(record), attempt };
    if (record.state === 'completed') log.info('request-finished', message, attributes);
    else if (record.state === 'partial') log.warn('request-finished', message, attributes);
    else log.error('request-finished', message, attributes);
}

app.storageQueue('runQueuedSignOut', {
    queueName: '%SIGNOUT_QUEUE_NAME%',
    connection: 'AzureWebJobsStorage',
    handler: runQueuedSignOut,
});
