/**
 * A queue worker in a process of its own, so a test can kill it mid-request: delivers one message (base64 text, as
 * on the queue) to `runQueuedSignOut` the way the host does. The app settings come from the environment.
 * Usage: node --import tsx queueWorker.ts <messageText> <dequeueCount>
 */
import '../../support/quietTestMode';
import { runQueuedSignOut } from '../../../src/functions/runQueuedSignOut';
import { decodeHostMessage, invocationContext } from '../../support/hostEmulation';

async function main(): Promise<void> {
    const [messageText = '', dequeueCount = '1'] = process.argv.slice(2);
    await runQueuedSignOut(decodeHostMessage(messageText), invocationContext('runQueuedSignOut', { dequeueCount }));
}

main().then(
    () => process.exit(0),
    (error: unknown) => {
        console.error(`worker failed: ${error instanceof Error ? `${error.name}: ${error.message}` : typeof error}`);
        process.exit(2);
    },
);
