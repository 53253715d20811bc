import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { getSignOutStatus } from '../../src/functions/getSignOutStatus';
import { health } from '../../src/functions/health';
import { listSignOuts } from '../../src/functions/listSignOuts';
import { previewSignOut } from '../../src/functions/previewSignOut';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { sweepTimer } from '../../src/functions/sweepTimer';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { startCallbackReceiver, type CallbackReceiver } from '../support/callbackReceiver';
import {
    httpRequest,
    invocationContext,
    plain,
    pumpQueue,
    sendQueueMessage,
    type CapturedLog,
    type QueueHandler,
} from '../support/hostEmulation';
import { SuiteFigures } from './support/figures';

/**
 * The client secret, every access token the simulator issued and a callback's signature never appear in what the
 * app logs, answers, calls back or audits: on the happy path, after a credential failure (the secret was rotated in
 * Entra) and after the services refused expired tokens.
 */
const { alice, dan, hank, erin } = FIXTURE.users;
const BASE = 'https://bc-signout.example/api';
const CALLBACK_SIGNATURE = 'sigValue0123456789abcdefSECRET';
let harness: AppHarness;
let receiver: CallbackReceiver;
const figures = new SuiteFigures('secrets');
const logs: CapturedLog[] = [];
/** Every HTTP answer the app gave, as text. */
const answers: string[] = [];
const startedAt = new Date(Date.now() - 60_000);

type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

beforeAll(async () => {
    receiver = await startCallbackReceiver();
    harness = await startAppHarness({ settings: { CALLBACK_ALLOWED_HOSTS: receiver.hostEntry } });
});

afterAll(async () => {
    figures.print();
    await harness.close();
    await receiver.close();
});

async function call(handler: HttpHandler, request: HttpRequest, name: string) {
    const response = plain(await handler(request, invocationContext(name, {}, logs)));
    answers.push(JSON.stringify(response));
    figures.requests++;
    return response;
}

const post = (handler: HttpHandler, path: string, body: unknown) =>
    call(handler, httpRequest('POST', `${BASE}/${path}`, { body }), path);

async function status(requestId: string, handler: HttpHandler = getSignOutStatus) {
    const request = httpRequest('GET', `${BASE}/signouts/${requestId}`);
    request.params.requestId = requestId;
    return call(handler, request, 'getSignOutStatus');
}

const pump = (handler: QueueHandler = runQueuedSignOut) =>
    pumpQueue(harness.connectionString, harness.queueName, handler, { logs });

describe('secrets', () => {
    it('stay out of logs and answers on the happy path, including a callback signature', async () => {
        await post(previewSignOut, 'signouts/preview', { users: [alice.userPrincipalName], reason: 'preview' });
        await post(acceptSignOut, 'signouts', {
            requestId: 'SECRETS-1',
            users: [alice.userPrincipalName, dan.id],
            reason: 'reliability: secrets',
            callbackUrl: `${receiver.url}?api-version=1&sig=${CALLBACK_SIGNATURE}`,
            actions: { blockSignIn: { mode: 'for', minutes: 30 } },
        });
        await sendQueueMessage(harness.connectionString, harness.queueName, {
            users: [hank.userPrincipalName],
            reason: 'reliability: secrets from ServiceNow',
            ticket: { system: 'servicenow', number: 'INC0088001' },
        });
        await pump();
        expect((await status('SECRETS-1')).status).toBe(200);
        expect(receiver.received).toHaveLength(1);
        await status('no-such-request');
        await call(listSignOuts, httpRequest('GET', `${BASE}/signouts?user=${alice.userPrincipalName}`), 'list');
        await call(health, httpRequest('GET', `${BASE}/health`), 'health');
        harness.simulator.materialiseReconnects();
        await sweepTimer(
            { isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } } as never,
            invocationContext('sweepTimer', {}, logs),
        );
    });

    it('stay out after a credential failure: the secret was rotated in Entra', async () => {
        harness.simulator.state.clientSecret = 'rotated~in~entra~0000';
        // A fresh app instance: its credential has no cached token and must ask with the old secret.
        await jest.isolateModulesAsync(async () => {
            const { handleErrors } = await import('../../src/functions/http/handleErrors');
            const accept = (await import('../../src/functions/acceptSignOut')).acceptSignOut;
            // Without a token the protected accounts cannot be known: nothing is accepted, and the answer names the
            // service's code, never the secret.
            const answer = await post(handleErrors(accept), 'signouts', {
                requestId: 'SECRETS-2',
                users: [erin.id],
                reason: 'rotated',
            });
            expect(answer.status).toBe(502);
            expect(JSON.stringify(answer.body)).toMatch(/AADSTS7000215/);
        });
        harness.simulator.state.clientSecret = FIXTURE.clientSecret;
    });

    it('stay out after Graph and BC refused expired tokens', async () => {
        harness.simulator.expireTokens();
        await post(acceptSignOut, 'signouts', {
            requestId: 'SECRETS-3',
            users: [erin.userPrincipalName],
            reason: 'expired',
        });
        await pump();
        const final = await status('SECRETS-3');
        expect(final.status).toBe(200);
        expect(final.body).toMatchObject({ status: 'failed' });
    });

    it('appear nowhere: not in logs, answers or the exported audit', async () => {
        const audit: string[] = [];
        const { audit: store } = await sharedServiceDependencies();
        for await (const line of store.exportRange(startedAt, new Date(Date.now() + 60_000))) audit.push(line);
        const secrets = [
            { what: 'client secret', value: harness.simulator.clientSecret },
            { what: 'callback signature', value: CALLBACK_SIGNATURE },
            ...harness.simulator.issuedTokens().map((value, i) => ({ what: `access token ${i + 1}`, value })),
        ];
        expect(secrets.length).toBeGreaterThan(3);
        const places = {
            logs: logs.map((log) => log.message).join('\n'),
            answers: answers.join('\n'),
            'callback payloads': JSON.stringify(receiver.received),
            audit: audit.join(''),
        };
        const leaks = secrets.flatMap(({ what, value }) =>
            Object.entries(places)
                .filter(([, text]) => text.includes(value))
                .map(([where]) => `${what} in ${where}`),
        );
        expect(leaks).toEqual([]);
        expect(audit.length).toBeGreaterThanOrEqual(3);
        figures.note('secrets searched for', secrets.length);
        figures.note(
            'log lines / answers / audit lines searched',
            `${logs.length} / ${answers.length} / ${audit.length}`,
        );
        figures.note('leaks', leaks.length);
    });
});
