import { acceptSignOut } from '../src/functions/acceptSignOut';
import { getSignOutStatus } from '../src/functions/getSignOutStatus';
import { previewSignOut } from '../src/functions/previewSignOut';
import { runQueuedSignOut } from '../src/functions/runQueuedSignOut';
import { bulkUserPrincipalName } from '../test/simulator';
import type { AppHarness } from '../test/support/appHarness';
import { httpRequest, invocationContext, plain, pumpQueue } from '../test/support/hostEmulation';
import { describeWave, wavesOf, wireCalls } from './callAnalysis';

const BASE = 'https://bc-signout.example/api';

export interface SingleUserResult {
    requestId: string;
    status: string;
    /** From `acceptSignOut` called to `getSignOutStatus` answering 200. */
    totalInMs: number;
    /** While the queue handler ran. */
    handlerInMs: number;
    /** From the first remote call's start to the last call's answer, inside the handler. */
    engineInMs: number;
    roundTrips: number;
    /** engineInMs / L, rounded: a cross-check of `roundTrips`. */
    roundTripsByTime: number;
    tokenCallsDuringRun: number;
    waves: string[];
}

/**
 * Scenario 1, through the real handlers: accept over HTTP, the queue handler run as the host would, status polled
 * to 200. Previews first warm what later requests find warm in a running app: tokens and storage clients. Two of
 * them, because concurrent first token requests of one credential race in @azure/identity (each builds its own MSAL
 * client, so one token is lost and fetched again on the next request).
 */
export async function runSingleUser(harness: AppHarness, latencyInMs: number): Promise<SingleUserResult> {
    const simulator = harness.simulator;
    const body = { users: [bulkUserPrincipalName(1)], reason: 'bench: one user, three environments' };
    for (let warmUp = 0; warmUp < 2; warmUp++) {
        const preview = plain(
            await previewSignOut(
                httpRequest('POST', `${BASE}/signouts/preview`, { body }),
                invocationContext('previewSignOut'),
            ),
        );
        if (preview.status !== 200) throw new Error(`warm-up preview answered ${preview.status}`);
    }

    const started = performance.now();
    const accepted = plain(
        await acceptSignOut(httpRequest('POST', `${BASE}/signouts`, { body }), invocationContext('acceptSignOut')),
    );
    const { requestId } = accepted.body as { requestId: string };
    let handlerFrom = 0;
    let handlerTo = 0;
    await pumpQueue(harness.connectionString, harness.queueName, async (message, context) => {
        handlerFrom = simulator.clock.now();
        try {
            await runQueuedSignOut(message, context);
        } finally {
            handlerTo = simulator.clock.now();
        }
    });
    const request = httpRequest('GET', `${BASE}/signouts/${requestId}`);
    request.params.requestId = requestId;
    const final = plain(await getSignOutStatus(request, invocationContext('getSignOutStatus')));
    const totalInMs = performance.now() - started;
    if (final.status !== 200) throw new Error(`status answered ${final.status} after the queue was pumped`);

    const calls = wireCalls(simulator.calls, handlerFrom, handlerTo);
    const waves = wavesOf(calls, latencyInMs);
    const engineInMs = (waves.at(-1)?.endedAt ?? 0) - (waves[0]?.startedAt ?? 0);
    return {
        requestId,
        status: (final.body as { status: string }).status,
        totalInMs,
        handlerInMs: handlerTo - handlerFrom,
        engineInMs,
        roundTrips: waves.length,
        roundTripsByTime: Math.round(engineInMs / latencyInMs),
        tokenCallsDuringRun: simulator.calls.filter(
            (call) => call.service === 'identity' && call.at >= handlerFrom && call.at <= handlerTo,
        ).length,
        waves: waves.map((wave, index) => `${index + 1}. ${describeWave(wave)}`),
    };
}
