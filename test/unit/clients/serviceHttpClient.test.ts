import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceHttpClient } from '../../../src/clients/http/serviceHttpClient';
import { TransientServiceError } from '../../../src/core/errors';

/** A plain HTTP server whose answers the test writes; it counts the calls it receives. */
let server: http.Server;
let answer: (res: http.ServerResponse) => void;
let calls = 0;
let url = '';

beforeAll(async () => {
    server = http.createServer((_req, res) => {
        calls++;
        answer(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sessions`;
});

afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
    calls = 0;
});

function client(): ServiceHttpClient {
    return new ServiceHttpClient({
        service: 'bc-admin',
        credential: { getToken: async () => ({ token: 'token', expiresOnTimestamp: Date.now() + 3_600_000 }) },
        scope: 'https://api.businesscentral.dynamics.com/.default',
        timeoutInMs: 5_000,
        retry: { maxAttempts: 2, baseDelayInMs: 1, maxDelayInMs: 1 },
        errorCodeOf: () => undefined,
        sleep: async () => undefined,
    });
}

const LISTING = JSON.stringify({ value: [{ sessionId: 1 }, { sessionId: 2 }], '@odata.nextLink': 'next' });

describe('ServiceHttpClient reading a collection', () => {
    it('answers the items mapped as they arrive and the rest of the body', async () => {
        answer = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(LISTING);
        const response = await client().sendOk('GET', url, {
            toItem: (item) => (item as { sessionId: number }).sessionId,
        });
        expect(response.items).toEqual([1, 2]);
        expect(response.body).toEqual({ value: [], '@odata.nextLink': 'next' });
    });

    it('retries an answer cut short, then fails the call: never fewer items as if they were all', async () => {
        answer = (res) => {
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(LISTING.length) });
            res.write(LISTING.slice(0, 20), () => res.destroy());
        };
        const call = client().sendOk('GET', url, { toItem: (item) => item });
        await expect(call).rejects.toBeInstanceOf(TransientServiceError);
        await expect(call).rejects.toMatchObject({ code: 'connection-failed' });
        expect(calls).toBe(2);
    });

    it('retries an answer that is not JSON, as malformed', async () => {
        answer = (res) =>
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[{"sessionId":1},oops]}');
        await expect(client().sendOk('GET', url, { toItem: (item) => item })).rejects.toMatchObject({
            code: 'malformed-body',
        });
        expect(calls).toBe(2);
    });

    it('throws a failure of mapping an item as it is, never as a failed connection to retry', async () => {
        answer = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(LISTING);
        const bug = new TypeError('a bug in the mapping');
        const call = client().sendOk('GET', url, {
            toItem: () => {
                throw bug;
            },
        });
        await expect(call).rejects.toBe(bug);
        expect(calls).toBe(1);
    });
});

describe('ServiceHttpClient reading any other answer', () => {
    it('retries an answer cut short, then fails the call, instead of answering it without a body', async () => {
        const company = JSON.stringify({ id: 'c0ffee00-0000-4000-8000-000000000001', name: 'CRONUS' });
        answer = (res) => {
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(company.length) });
            res.write(company.slice(0, 10), () => res.destroy());
        };
        await expect(client().sendOk('GET', url)).rejects.toMatchObject({ code: 'connection-failed' });
        expect(calls).toBe(2);
    });
});
