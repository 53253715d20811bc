/**
 * Posts the queue scenario's request through the HTTP handler, in a process of its own (the app reads its settings
 * once per process, from the environment). Prints when it posted and what the API answered.
 */
import '../test/support/quietTestMode';
import { acceptSignOut } from '../src/functions/acceptSignOut';
import { bulkUserPrincipalName } from '../test/simulator';
import { httpRequest, invocationContext, plain } from '../test/support/hostEmulation';

async function main(): Promise<void> {
    const users = Array.from({ length: Number(process.env.BENCH_USERS) }, (_, index) =>
        bulkUserPrincipalName(index + 1),
    );
    const body = { requestId: process.env.BENCH_REQUEST_ID, users, reason: 'bench: one very large request' };
    const postedAt = Date.now();
    const answer = plain(
        await acceptSignOut(
            httpRequest('POST', 'https://bc-signout.example/api/signouts', { body }),
            invocationContext('acceptSignOut'),
        ),
    );
    process.stdout.write(
        `${JSON.stringify({ postedAt, answeredAt: Date.now(), status: answer.status, body: answer.body })}\n`,
    );
}

main().then(
    () => process.exit(0),
    (error: unknown) => {
        console.error(`bench post failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        process.exit(2);
    },
);
