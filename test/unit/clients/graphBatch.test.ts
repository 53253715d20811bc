import type { Client } from '@microsoft/microsoft-graph-client';
import { runBatched, type BatchStep } from '../../../src/clients/graph/graphBatch';
import { GraphQuota } from '../../../src/clients/graph/graphQuota';
import { DEFAULT_RETRY } from '../../../src/core/retryPolicy';

/** A Graph client whose `$batch` calls answer the given bodies in turn (HTTP 200, as Graph answers a batch). */
function clientAnswering(...bodies: unknown[]): Client {
    const builder = {
        option: () => builder,
        middlewareOptions: () => builder,
        responseType: () => builder,
        post: async () => new Response(JSON.stringify(bodies.shift()), { status: 200 }),
    };
    return { api: () => builder } as unknown as Client;
}

const LOOK_UP_AND_REVOKE: BatchStep[] = [
    { key: 'get', method: 'GET', url: '/users/alice@contoso.com' },
    {
        key: 'revoke',
        method: 'POST',
        url: '/users/alice@contoso.com/revokeSignInSessions',
        dependsOn: ['get'],
        onceOnly: true,
    },
];

describe('runBatched', () => {
    it("pauses the tenant's batches for a throttled item's Retry-After, whatever item failed after it", async () => {
        // A clock that the waits move on, so the test waits for nothing.
        let clock = 0;
        const sleep = async (ms: number) => {
            clock += ms;
        };
        const quota = new GraphQuota(
            { resourceUnits: 3_500, resourceUnitWindowInMs: 10_000, writes: 3_000, writeWindowInMs: 150_000 },
            sleep,
            undefined,
            () => clock,
        );
        const pause = jest.spyOn(quota, 'pause');
        const client = clientAnswering(
            // The look-up is throttled; its revocation, which depends on it, answers 424 after it.
            {
                responses: [
                    { id: '0', status: 429, headers: { 'Retry-After': '7' } },
                    { id: '1', status: 424 },
                ],
            },
            {
                responses: [
                    { id: '0', status: 200, body: { id: 'a1' } },
                    { id: '1', status: 204 },
                ],
            },
        );
        const answers = await runBatched(client, LOOK_UP_AND_REVOKE, {
            quota,
            graphEndpoint: 'https://graph.example',
            timeoutInMs: 1_000,
            retry: DEFAULT_RETRY,
            sleep,
        });
        expect(pause).toHaveBeenCalledWith(7_000);
        expect(answers.get('revoke')).toEqual({ status: 204, body: undefined });
    });
});
