import { acceptSignOut } from '../src/functions/acceptSignOut';
import { bulkUserPrincipalName } from '../test/simulator';
import { httpRequest, invocationContext, plain } from '../test/support/hostEmulation';
import { percentile } from './stats';

export interface AcceptLatencyResult {
    calls: number;
    p50InMs: number;
    p99InMs: number;
    maxInMs: number;
}

/**
 * `acceptSignOut` one call after another against Azurite: validation, the id claim, the first audit event, the user
 * index and the enqueue. Nothing is pumped; the queue is the harness's own.
 */
export async function measureAcceptLatency(calls: number): Promise<AcceptLatencyResult> {
    const durations: number[] = [];
    for (let i = 0; i < calls; i++) {
        const body = { users: [bulkUserPrincipalName((i % 50) + 1)], reason: `bench: accept latency ${i}` };
        const started = performance.now();
        const response = plain(
            await acceptSignOut(
                httpRequest('POST', 'https://bc-signout.example/api/signouts', { body }),
                invocationContext('acceptSignOut'),
            ),
        );
        durations.push(performance.now() - started);
        if (response.status !== 202) throw new Error(`accept answered ${response.status} on call ${i + 1}`);
    }
    return {
        calls,
        p50InMs: percentile(durations, 50),
        p99InMs: percentile(durations, 99),
        maxInMs: Math.max(...durations),
    };
}
