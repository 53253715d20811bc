import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { Linter } from 'eslint';
import { buildQueueMessageSchema, SCHEMA_PATH } from '../../../integrations/servicenow/generateSchema';
import { parseSignOutRequest, type RequestPolicy } from '../../../src/core/request/signOutRequest';
import { draft2020 } from './support/jsonSchema';

const kitDir = path.join(__dirname, '../../../integrations/servicenow');
const examplesDir = path.join(kitDir, 'examples');
const TENANT = '6f1c2d3e-4a5b-4c6d-8e7f-901234567890';
const policy: RequestPolicy = {
    maxUsers: 500,
    defaultTenantId: TENANT,
    allowedTenantIds: [TENANT],
    callbackHosts: ['*.service-now.com'],
};

const examples = fs
    .readdirSync(examplesDir)
    .filter((name) => name.endsWith('.json'))
    .map(
        (name) =>
            [
                name,
                JSON.parse(fs.readFileSync(path.join(examplesDir, name), 'utf8')) as Record<string, unknown>,
            ] as const,
    );

const validate = draft2020().compile(JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8')) as object);

describe('integrations/servicenow/signout-request.schema.json', () => {
    it('is what generateSchema.ts produces from the request schema now (run it after changing src)', () => {
        const committed: unknown = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));
        expect(committed).toEqual(buildQueueMessageSchema());
    });

    it('has examples', () => {
        expect(examples.length).toBeGreaterThanOrEqual(3);
    });

    it.each(examples)('accepts examples/%s, and so does the service', (_name, message) => {
        expect(validate(message) ? [] : validate.errors).toEqual([]);
        const parsed = parseSignOutRequest(message, policy);
        expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    });

    it('requires the ticket, as ITSM messages need it to report back and to run once', () => {
        const message: Record<string, unknown> = { users: ['adele.vance@contoso.com'], reason: 'Leaver' };
        expect(validate(message)).toBe(false);
        expect(validate({ ...message, ticket: { system: 'servicenow', number: 'INC0012345' } })).toBe(true);
    });

    it('rejects what the service rejects: unknown fields, bad enums, bounds', () => {
        const base = {
            users: ['adele.vance@contoso.com'],
            reason: 'Leaver',
            ticket: { system: 'servicenow', number: 'INC1' },
        };
        const invalid: Array<Record<string, unknown>> = [
            { ...base, priority: 'high' },
            { ...base, ticket: { system: 'remedy', number: 'INC1' } },
            { ...base, watchMinutes: 1441 },
            { ...base, users: [] },
            { ...base, users: ['not a user'] },
            { ...base, actions: { blockSignIn: { mode: 'for' } } },
            { ...base, actions: { blockSignIn: { mode: 'forever' } } },
            { ...base, environments: ['../admin'] },
        ];
        for (const message of invalid) {
            expect([JSON.stringify(message), validate(message)]).toEqual([JSON.stringify(message), false]);
            expect([JSON.stringify(message), parseSignOutRequest(message, policy).ok]).toEqual([
                JSON.stringify(message),
                false,
            ]);
        }
    });
});

describe('request ids of ITSM messages', () => {
    const requestIdAt = (message: unknown, at: string) => {
        const parsed = parseSignOutRequest(message, policy, new Date(at));
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
        return parsed.value.requestId;
    };
    const withoutRelativeHold = examples.filter(([, message]) => !JSON.stringify(message).includes('"mode":"for"'));
    const withRelativeHold = examples.filter(([, message]) => JSON.stringify(message).includes('"mode":"for"'));

    it.each(withoutRelativeHold)('derives the same id for examples/%s delivered twice', (_name, message) => {
        const first = requestIdAt(message, '2030-01-01T10:00:00Z');
        expect(first).toMatch(/^servicenow-[A-Z]+\d+-[0-9a-f]{16}$/);
        expect(requestIdAt(message, '2030-01-01T10:07:00Z')).toBe(first);
    });

    // A relative hold ("for" n minutes) becomes an absolute time at parse; the id must come from the hold as sent.
    it.each(withRelativeHold)(
        'derives the same id for examples/%s (relative hold) delivered twice',
        (_name, message) => {
            expect(requestIdAt(message, '2030-01-01T10:07:00Z')).toBe(requestIdAt(message, '2030-01-01T10:00:00Z'));
        },
    );
});

/** The ServiceNow script run in a sandbox with fakes for the ServiceNow APIs it uses. */
interface HttpCall {
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: string;
}
interface HttpAnswer {
    status: number;
    body?: string;
    headers?: Record<string, string>;
}
interface BcForceSignOut {
    buildMessage(ticket: unknown, users: unknown[], options?: Record<string, unknown>): Record<string, unknown>;
    send(message: unknown): number;
    submit(ticket: unknown, users: unknown[], options?: Record<string, unknown>): number;
    recordResult(requestId: string): string;
}

const scriptPath = path.join(kitDir, 'outbound-rest-script.js');
const QUEUE_URL = 'https://stbcfs.queue.core.windows.net/signout-requests/messages';
const TOKEN_URL = `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`;

function serviceNow(answer: (call: HttpCall) => HttpAnswer) {
    const calls: HttpCall[] = [];
    const sleeps: number[] = [];
    const tasks = new Map<string, { number: string; work_notes?: string }>([
        ['46d44a5e1b0a2d1037aa6ff8ec4bcb12', { number: 'INC0012345' }],
    ]);
    const credentials: Record<string, Record<string, string>> = {
        'queue-credential': { user_name: 'sender-client-id', password: 'sender-secret' },
        'api-credential': { api_key: 'function-key' },
    };
    class RESTMessageV2 {
        private readonly call: HttpCall = { method: 'GET', url: '', headers: {} };
        setEndpoint(url: string) {
            this.call.url = url;
        }
        setHttpMethod(method: string) {
            this.call.method = method.toUpperCase();
        }
        setHttpTimeout() {}
        setRequestHeader(name: string, value: string) {
            this.call.headers[name] = value;
        }
        setRequestBody(body: string) {
            this.call.body = body;
        }
        execute() {
            calls.push(this.call);
            const reply = answer(this.call);
            return {
                getStatusCode: () => reply.status,
                getBody: () => reply.body ?? '',
                getHeader: (name: string) => reply.headers?.[name] ?? null,
                haveError: () => false,
                getErrorMessage: () => '',
            };
        }
    }
    class GlideRecord {
        private current?: { number: string; work_notes?: string };
        work_notes?: string;
        get(field: string, value?: string) {
            const match =
                value === undefined ? tasks.get(field) : [...tasks.values()].find((task) => task.number === value);
            this.current = match;
            return match !== undefined;
        }
        update() {
            if (this.current) this.current.work_notes = this.work_notes;
        }
    }
    const context = vm.createContext({
        Class: {
            create: () =>
                function (this: { initialize(...args: unknown[]): void }, ...args: unknown[]) {
                    this.initialize(...args);
                },
        },
        gs: {
            getProperty: (_name: string, fallback: string) => fallback,
            getUserName: () => 'servicedesk.agent',
            base64Encode: (text: string) => Buffer.from(text, 'utf8').toString('base64'),
            sleep: (ms: number) => sleeps.push(ms),
        },
        sn_ws: { RESTMessageV2 },
        sn_cc: {
            StandardCredentialsProvider: class {
                getCredentialByID(id: string) {
                    return { getAttribute: (name: string) => credentials[id]?.[name] ?? null };
                }
            },
        },
        GlideRecord,
    });
    vm.runInContext(fs.readFileSync(scriptPath, 'utf8'), context, { filename: scriptPath });
    const Constructor = (context as { BcForceSignOut: new (config: Record<string, string>) => BcForceSignOut })
        .BcForceSignOut;
    const client = new Constructor({
        tenantId: TENANT,
        storageAccount: 'stbcfs',
        queueCredentialId: 'queue-credential',
        apiHost: 'func-bcfs.azurewebsites.net',
        apiCredentialId: 'api-credential',
        callbackUrl: 'https://contoso.service-now.com/api/x_contoso_bcfs/bc_signout/result',
    });
    return { client, calls, sleeps, tasks };
}

const incident = {
    getValue: (name: string) =>
        ({ number: 'INC0012345', short_description: 'Leaver:\tAdele Vance\nlast day' })[name] ?? null,
    getUniqueValue: () => '46d44a5e1b0a2d1037aa6ff8ec4bcb12',
};

const tokenAnswer: HttpAnswer = { status: 200, body: JSON.stringify({ access_token: 'storage-token' }) };
const answerWith =
    (...queueAnswers: HttpAnswer[]) =>
    (call: HttpCall): HttpAnswer =>
        call.url === TOKEN_URL ? tokenAnswer : (queueAnswers.shift() ?? { status: 201 });

const decodeMessage = (xml: string | undefined) => {
    const text =
        /^<\?xml version="1.0" encoding="utf-8"\?><QueueMessage><MessageText>([A-Za-z0-9+/=]+)<\/MessageText><\/QueueMessage>$/.exec(
            xml ?? '',
        )?.[1];
    return JSON.parse(Buffer.from(text ?? '', 'base64').toString('utf8')) as unknown;
};

describe('integrations/servicenow/outbound-rest-script.js', () => {
    it('is ES5, as ServiceNow global scripts must be', () => {
        const messages = new Linter().verify(fs.readFileSync(scriptPath, 'utf8'), {
            languageOptions: { ecmaVersion: 5, sourceType: 'script' },
        });
        expect(messages.filter((message) => message.fatal)).toEqual([]);
    });

    it('builds a message from a ticket that the schema and the service accept', () => {
        const { client } = serviceNow(answerWith());
        const message = client.buildMessage(incident, ['adele.vance@contoso.com'], {
            blockSignInMinutes: 1440,
            disableBcUser: true,
            environments: ['Production'],
        });
        expect(validate(message) ? [] : validate.errors).toEqual([]);
        const parsed = parseSignOutRequest(message, policy);
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
        expect(parsed.value.reason).toBe('INC0012345: Leaver: Adele Vance last day');
        expect(parsed.value.ticket).toEqual({
            system: 'servicenow',
            number: 'INC0012345',
            id: '46d44a5e1b0a2d1037aa6ff8ec4bcb12',
        });
        expect(parsed.value.requestId).toMatch(/^servicenow-INC0012345-/);
        expect(parsed.value.actions.disableBcUser).toEqual({ kind: 'permanent' });
    });

    it('gets a storage token with the credential record and puts the base64 message on the queue', () => {
        const { client, calls } = serviceNow(answerWith());
        const message = client.buildMessage(incident, ['adele.vance@contoso.com'], { dryRun: true });
        expect(client.send(message)).toBe(1);

        const [token, put] = calls;
        expect(token?.method).toBe('POST');
        expect(token?.url).toBe(TOKEN_URL);
        const form = new URLSearchParams(token?.body);
        expect(Object.fromEntries(form)).toEqual({
            grant_type: 'client_credentials',
            client_id: 'sender-client-id',
            client_secret: 'sender-secret',
            scope: 'https://storage.azure.com/.default',
        });

        expect(put?.method).toBe('POST');
        expect(put?.url).toBe(QUEUE_URL);
        expect(put?.headers).toMatchObject({
            Authorization: 'Bearer storage-token',
            'x-ms-version': expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
            'Content-Type': 'application/xml',
        });
        expect(decodeMessage(put?.body)).toEqual(message);
        expect(calls).toHaveLength(2);
    });

    it('retries throttling and server errors, honouring Retry-After, with one token', () => {
        const { client, calls, sleeps } = serviceNow(
            answerWith({ status: 429, headers: { 'Retry-After': '3' } }, { status: 503 }, { status: 201 }),
        );
        expect(client.submit(incident, ['adele.vance@contoso.com'])).toBe(3);
        expect(sleeps).toEqual([3000, 4000]);
        expect(calls.filter((call) => call.url === TOKEN_URL)).toHaveLength(1);
        const bodies = calls.filter((call) => call.url === QUEUE_URL).map((call) => call.body);
        expect(new Set(bodies).size).toBe(1);
    });

    it('gives up after four attempts, and at once on a refusal', () => {
        const failing = serviceNow(answerWith(...Array.from({ length: 10 }, () => ({ status: 500 }))));
        expect(() => failing.client.submit(incident, ['adele.vance@contoso.com'])).toThrow(
            'answered 500 after 4 attempt(s)',
        );
        const refused = serviceNow(
            answerWith({ status: 403, body: '<Error><Code>AuthorizationPermissionMismatch</Code></Error>' }),
        );
        expect(() => refused.client.submit(incident, ['adele.vance@contoso.com'])).toThrow(
            'answered 403 after 1 attempt(s): AuthorizationPermissionMismatch',
        );
        expect(refused.sleeps).toEqual([]);
    });

    it('refuses a message over 64 KiB before calling anything', () => {
        const { client, calls } = serviceNow(answerWith());
        // Valid for the service (500 users, long UPNs) but too large for one queue message.
        const users = Array.from({ length: 500 }, (_, i) => `${'a'.repeat(100)}.${i}@contoso.com`);
        expect(() => client.submit(incident, users)).toThrow('the limit is 65536');
        expect(calls).toEqual([]);
    });

    it('writes a finished result into the work notes, reading it from the service with the function key', () => {
        const finished = {
            requestId: 'servicenow-INC0012345-0123456789abcdef',
            status: 'partial',
            request: { ticket: { system: 'servicenow', number: 'INC0012345', id: '46d44a5e1b0a2d1037aa6ff8ec4bcb12' } },
            result: {
                dryRun: false,
                users: [
                    {
                        user: 'adele.vance@contoso.com',
                        userPrincipalName: 'adele.vance@contoso.com',
                        outcome: 'processed',
                        systems: [
                            { system: 'entra.revoke', status: 'succeeded' },
                            {
                                system: 'bc.Production.sessions',
                                status: 'failed',
                                detail: '1 session(s) still present',
                            },
                        ],
                    },
                ],
                residualRisk: {
                    tokensMayReconnectUntil: '2030-01-01T11:30:00.000Z',
                    watchUntil: '2030-01-01T11:30:00.000Z',
                    notes: [],
                },
            },
        };
        const { client, calls, tasks } = serviceNow(() => ({ status: 200, body: JSON.stringify(finished) }));
        expect(client.recordResult(finished.requestId)).toBe('recorded');
        expect(calls[0]).toMatchObject({
            method: 'GET',
            url: `https://func-bcfs.azurewebsites.net/api/signouts/${finished.requestId}`,
            headers: { 'x-functions-key': 'function-key' },
        });
        expect(tasks.get('46d44a5e1b0a2d1037aa6ff8ec4bcb12')?.work_notes).toBe(
            [
                'BC force sign-out servicenow-INC0012345-0123456789abcdef: partial',
                '- adele.vance@contoso.com: processed; entra.revoke succeeded, bc.Production.sessions failed (1 session(s) still present)',
                'Tokens issued before revocation may reconnect until 2030-01-01T11:30:00.000Z',
                'Reconnects are cancelled until 2030-01-01T11:30:00.000Z',
            ].join('\n'),
        );
        expect(serviceNow(() => ({ status: 202 })).client.recordResult('x')).toBe('pending');
        expect(serviceNow(() => ({ status: 404 })).client.recordResult('x')).toBe('not-found');
    });
});
