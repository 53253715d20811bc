/**
 * The main job, offline: Azurite and the tenant simulator stand in for Azure Storage and the Microsoft cloud; one
 * force sign-out goes through the real handlers (HTTP request -> Azurite queue -> queue handler), the user then
 * presses Refresh and the sweep cancels the reconnect. Prints a readable report and stops what it started.
 */
import '../test/support/quietTestMode';
import { startAzurite, type RunningAzurite } from '../test/support/azurite';
import { startAppHarness, type AppHarness } from '../test/support/appHarness';
import { httpRequest, invocationContext, plain, pumpQueue } from '../test/support/hostEmulation';
import { FIXTURE } from '../test/simulator';
import type { SignOutResult } from '../src/core/result';
import { formatResult } from '../src/cli/formatResult';

const BASE = 'https://bc-signout.example/api';
const line = (text = '') => console.log(text);
const heading = (text: string) => line(`\n== ${text}`);

async function main(): Promise<void> {
    let azurite: RunningAzurite | undefined;
    let harness: AppHarness | undefined;
    try {
        azurite = await startAzurite();
        process.env.AZURITE_CONNECTION_STRING = azurite.connectionString;
        harness = await startAppHarness();
        // Loaded after the settings are in place: configuration is read once.
        const { acceptSignOut } = await import('../src/functions/acceptSignOut');
        const { getSignOutStatus } = await import('../src/functions/getSignOutStatus');
        const { runQueuedSignOut } = await import('../src/functions/runQueuedSignOut');
        const { sweepTimer } = await import('../src/functions/sweepTimer');
        const { sharedServiceDependencies } = await import('../src/composition/serviceDependencies');

        const { alice, bob, breakglass, hank } = FIXTURE.users;
        const body = {
            users: [
                alice.userPrincipalName,
                bob.userPrincipalName,
                hank.id,
                breakglass.userPrincipalName,
                'nobody@contoso.com',
            ],
            reason: 'Suspected account compromise (demo)',
            requestedBy: 'security-oncall@contoso.com',
            ticket: { system: 'servicenow', number: 'INC0042001' },
            actions: { disableBcUser: { mode: 'for', minutes: 60 } },
            watchMinutes: 90,
        };
        heading('1. Power Automate posts a force sign-out');
        line(`POST /api/signouts  users: ${body.users.join(', ')}`);
        const accepted = plain(
            await acceptSignOut(httpRequest('POST', `${BASE}/signouts`, { body }), invocationContext('acceptSignOut')),
        );
        const { requestId } = accepted.body as { requestId: string };
        line(
            `-> ${accepted.status} Accepted, Location: ${accepted.headers.location}, Retry-After: ${accepted.headers['retry-after']}`,
        );

        const poll = async () => {
            const request = httpRequest('GET', `${BASE}/signouts/${requestId}`);
            request.params.requestId = requestId;
            return plain(await getSignOutStatus(request, invocationContext('getSignOutStatus')));
        };
        const first = await poll();
        line(`GET status -> ${first.status} (${(first.body as { status: string }).status}): the flow keeps polling`);

        heading('2. The queue trigger runs it (message taken from the Azurite queue)');
        await pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut);
        const final = await poll();
        const { result, status } = final.body as { status: string; result: SignOutResult };
        line(`GET status -> ${final.status}, request ${status}`);
        for (const text of formatResult(result)) line(text);

        heading('3. Alice presses Refresh: her browser reconnects while her access token still works');
        harness.simulator.materialiseReconnects();
        const back = harness.simulator.state.environments.flatMap((env) =>
            env.sessions.filter((s) => s.userId === alice.bcUserName).map(() => env.name),
        );
        line(`sessions of ALICE back in: ${back.join(', ') || 'none'}`);
        await sweepTimer(
            { isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } } as never,
            invocationContext('sweepTimer'),
        );
        const left = harness.simulator.state.environments.flatMap((env) =>
            env.sessions.filter((s) => s.userId === alice.bcUserName),
        );
        line(`the sweep ran: ALICE sessions now ${left.length}`);

        heading('4. The audit trail, read back from Table Storage');
        const { audit } = await sharedServiceDependencies();
        for (const event of await audit.listEvents(requestId)) {
            const what = [event.system, event.status].filter(Boolean).join(' ');
            line(
                `#${String(event.sequence).padStart(2, '0')} ${event.at} ${event.type}${what ? ` ${what}` : ''}${event.user ? ` user=${event.user}` : ''}`,
            );
        }
        const verified = await audit.verifyTrail(requestId);
        line(
            `hash chain: ${verified.ok ? `intact (${verified.eventsChecked} events)` : `BROKEN at #${verified.sequence}: ${verified.problem}`}`,
        );
        if (!verified.ok || left.length > 0) process.exitCode = 1;
    } finally {
        await harness?.close();
        await azurite?.stop();
    }
}

main().catch((error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
});
