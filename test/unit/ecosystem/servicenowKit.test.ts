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

/** The ServiceNow script run in a sandbox with a small shim of the ServiceNow APIs it uses. */
interface HttpCall {
    method: string;
    url: string;
    headers: Record<string, string>;
    auth?: { type: string; profileId: string };
    body?: string;
}
interface HttpAnswer {
    status: number;
    body?: string;
    headers?: Record<string, string>;
}
interface QueuedEvent {
    name: string;
    record: unknown;
    parm1: string;
    parm2: string;
    /** eventQueueScheduled: when, as the seconds added to the shim's now. */
    afterSeconds?: number;
}
interface SendOutcome {
    status: string;
    statusCode: number;
    retryAfterSeconds?: number;
}
interface BcForceSignOut {
    buildMessage(ticket: unknown, users: unknown[], options?: Record<string, unknown>): Record<string, unknown>;
    submit(ticket: unknown, users: unknown[], options?: Record<string, unknown>): Record<string, unknown>;
    sendFromEvent(event: { parm1: string; parm2: string }, ticket: unknown): SendOutcome;
    recordResult(requestId: string): string;
}

const scriptPath = path.join(kitDir, 'outbound-rest-script.js');
const kitReadme = fs.readFileSync(path.join(kitDir, 'README.md'), 'utf8');
const QUEUE_URL = 'https://stbcfs.queue.core.windows.net/signout-requests/messages';
const SEND_EVENT = 'x_bcfs.signout.send';
const CONFIG = {
    storageAccount: 'stbcfs',
    queueOAuthProfileId: 'queue-profile',
    apiHost: 'func-bcfs.azurewebsites.net',
    apiCredentialId: 'api-credential',
    callbackUrl: 'https://contoso.service-now.com/api/x_bcfs/bc_signout/result',
};

/** A task record as business rules and script actions see it: `current`. */
class Ticket {
    work_notes?: string;
    readonly notes: string[] = [];
    readonly caller_id = { email: { toString: () => 'adele.vance@contoso.com' } };
    constructor(private readonly values: Record<string, string>) {}
    getValue(name: string) {
        return this.values[name] ?? null;
    }
    getUniqueValue() {
        return this.values.sys_id;
    }
    update() {
        this.notes.push(this.work_notes ?? '');
    }
}

const incident = () =>
    new Ticket({
        sys_id: '46d44a5e1b0a2d1037aa6ff8ec4bcb12',
        number: 'INC0012345',
        short_description: 'Leaver:\tAdele Vance\nlast day',
    });

function serviceNow(answer: (call: HttpCall) => HttpAnswer, config: Record<string, string> = CONFIG) {
    const calls: HttpCall[] = [];
    const events: QueuedEvent[] = [];
    const tasks = new Map<string, Ticket>([['46d44a5e1b0a2d1037aa6ff8ec4bcb12', incident()]]);
    const credentials: Record<string, Record<string, string>> = { 'api-credential': { api_key: 'function-key' } };
    class RESTMessageV2 {
        private readonly call: HttpCall = { method: 'GET', url: '', headers: {} };
        setEndpoint(url: string) {
            this.call.url = url;
        }
        setHttpMethod(method: string) {
            this.call.method = method.toUpperCase();
        }
        setHttpTimeout() {}
        setAuthenticationProfile(type: string, profileId: string) {
            this.call.auth = { type, profileId };
        }
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
        private current?: Ticket;
        work_notes?: string;
        get(field: string, value?: string) {
            this.current =
                value === undefined
                    ? tasks.get(field)
                    : [...tasks.values()].find((t) => t.getValue('number') === value);
            return this.current !== undefined;
        }
        update() {
            if (!this.current) return;
            this.current.work_notes = this.work_notes;
            this.current.update();
        }
    }
    class GlideDateTime {
        seconds = 0;
        addSeconds(seconds: number) {
            this.seconds += seconds;
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
            // Not UTF-8, as a platform's default character set may be: the kit must not depend on it.
            base64Encode: (text: string) => Buffer.from(text, 'latin1').toString('base64'),
            eventQueue: (name: string, record: unknown, parm1: string, parm2: string) =>
                events.push({ name, record, parm1, parm2 }),
            eventQueueScheduled: (name: string, record: unknown, parm1: string, parm2: string, when: GlideDateTime) =>
                events.push({ name, record, parm1, parm2, afterSeconds: when.seconds }),
            sleep: () => {
                throw new Error('gs.sleep blocks a worker thread');
            },
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
        GlideDateTime,
    });
    vm.runInContext(fs.readFileSync(scriptPath, 'utf8'), context, { filename: scriptPath });
    const Constructor = (context as { BcForceSignOut: new (config: Record<string, string>) => BcForceSignOut })
        .BcForceSignOut;
    /** Runs a script of the kit's README (a business rule, a script action) with the kit loaded. */
    const runReadmeScript = (marker: string, globals: Record<string, unknown>) => {
        const block = [...kitReadme.matchAll(/^ *```javascript\n([\s\S]*?)^ *```$/gm)]
            .map((match) => match[1]!)
            .find((code) => code.includes(marker));
        if (!block) throw new Error(`the kit README has no javascript block with ${marker}`);
        Object.assign(context, globals);
        // The README's scripts construct the kit without arguments; give it this test's configuration.
        vm.runInContext(`var Kit = BcForceSignOut; BcForceSignOut = function () { return new Kit(config); };`, context);
        Object.assign(context, { config });
        try {
            vm.runInContext(block, context);
        } finally {
            vm.runInContext('BcForceSignOut = Kit;', context);
        }
    };
    return { client: new Constructor(config), calls, events, tasks, runReadmeScript };
}

const answerWith =
    (...queueAnswers: HttpAnswer[]) =>
    (): HttpAnswer =>
        queueAnswers.shift() ?? { status: 201 };

const queueBody = (xml: string | undefined) =>
    /^<\?xml version="1.0" encoding="utf-8"\?><QueueMessage><MessageText>([A-Za-z0-9+/=]+)<\/MessageText><\/QueueMessage>$/.exec(
        xml ?? '',
    )?.[1] ?? '';
const decodeMessage = (xml: string | undefined) =>
    JSON.parse(Buffer.from(queueBody(xml), 'base64').toString('utf8')) as unknown;

describe('integrations/servicenow/outbound-rest-script.js', () => {
    it('is ES5, as ServiceNow global scripts must be', () => {
        const messages = new Linter().verify(fs.readFileSync(scriptPath, 'utf8'), {
            languageOptions: { ecmaVersion: 5, sourceType: 'script' },
        });
        expect(messages.filter((message) => message.fatal)).toEqual([]);
    });

    it('builds a message from a ticket that the schema and the service accept', () => {
        const { client } = serviceNow(answerWith());
        const message = client.buildMessage(incident(), ['adele.vance@contoso.com'], {
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

    it("the README's business rule only queues the event: no call, no wait, no update of current", () => {
        const { calls, events, runReadmeScript } = serviceNow(answerWith());
        const current = incident();
        runReadmeScript('executeRule', { current, previous: current });
        expect(calls).toEqual([]);
        expect(current.notes).toEqual([]);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ name: SEND_EVENT, record: current, parm2: '1' });
        const message = JSON.parse(events[0]!.parm1) as Record<string, unknown>;
        expect(validate(message) ? [] : validate.errors).toEqual([]);
        expect(message).toMatchObject({
            users: ['adele.vance@contoso.com'],
            actions: { blockSignIn: { mode: 'for', minutes: 1440 } },
        });
    });

    it("the README's script action puts the message on the queue once, with the OAuth profile's token", () => {
        const { client, calls, events, runReadmeScript } = serviceNow(answerWith());
        const current = incident();
        const message = client.submit(current, ['adele.vance@contoso.com'], { dryRun: true });
        runReadmeScript('sendFromEvent', { event: events[0], current });

        expect(calls).toHaveLength(1);
        const [put] = calls;
        expect(put).toMatchObject({
            method: 'POST',
            url: QUEUE_URL,
            auth: { type: 'oauth2', profileId: 'queue-profile' },
        });
        // ServiceNow adds the bearer token from the profile: the script never sees a secret or a token.
        expect(put?.headers).not.toHaveProperty('Authorization');
        expect(put?.headers).toMatchObject({
            'x-ms-version': expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
            'Content-Type': 'application/xml',
        });
        expect(decodeMessage(put?.body)).toEqual(message);
        expect(current.notes).toEqual(['BC force sign-out request queued (attempt 1).']);
        expect(events).toHaveLength(1);
    });

    it('delivers a non-ASCII reason intact: the UTF-8 bytes, base64-encoded, whatever the platform charset', () => {
        const { client, calls, events } = serviceNow(answerWith());
        const ticket = new Ticket({
            sys_id: '46d44a5e1b0a2d1037aa6ff8ec4bcb12',
            number: 'INC0012346',
            short_description: 'Austritt Jürgen Müller – Zürich, Œuvre 🏔',
        });
        client.submit(ticket, ['juergen.mueller@contoso.com']);
        client.sendFromEvent(events[0]!, ticket);
        const text = events[0]!.parm1;
        expect(queueBody(calls[0]?.body)).toBe(Buffer.from(text, 'utf8').toString('base64'));
        const parsed = parseSignOutRequest(decodeMessage(calls[0]?.body), policy);
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
        expect(parsed.value.reason).toBe('INC0012346: Austritt Jürgen Müller – Zürich, Œuvre 🏔');
    });

    it('asks for a retry by queueing the event again for later, honouring Retry-After, never sleeping', () => {
        const { client, calls, events, tasks } = serviceNow(
            answerWith({ status: 429, headers: { 'Retry-After': '3' } }, { status: 503 }, { status: 201 }),
        );
        const ticket = tasks.get('46d44a5e1b0a2d1037aa6ff8ec4bcb12')!;
        client.submit(ticket, ['adele.vance@contoso.com']);
        expect(client.sendFromEvent(events[0]!, ticket).status).toBe('retry');
        expect(events[1]).toMatchObject({ name: SEND_EVENT, parm1: events[0]!.parm1, parm2: '2', afterSeconds: 3 });
        expect(client.sendFromEvent(events[1]!, ticket).status).toBe('retry');
        expect(events[2]).toMatchObject({ parm2: '3', afterSeconds: 60 });
        expect(client.sendFromEvent(events[2]!, ticket).status).toBe('queued');
        expect(new Set(calls.map((call) => call.body)).size).toBe(1);
        expect(ticket.notes).toEqual(['BC force sign-out request queued (attempt 3).']);
    });

    it('gives up after four attempts, and at once on a refusal, saying so in the work notes', () => {
        const failing = serviceNow(answerWith(...Array.from({ length: 10 }, () => ({ status: 500 }))));
        const ticket = incident();
        failing.client.submit(ticket, ['adele.vance@contoso.com']);
        for (let attempt = 0; attempt < 4; attempt += 1) failing.client.sendFromEvent(failing.events[attempt]!, ticket);
        expect(failing.calls).toHaveLength(4);
        expect(failing.events).toHaveLength(4);
        expect(ticket.notes).toEqual([
            'BC force sign-out request NOT queued: the queue answered 500 (no error code) on attempt 4. Nobody has been signed out by it.',
        ]);

        const refused = serviceNow(
            answerWith({ status: 403, body: '<Error><Code>AuthorizationPermissionMismatch</Code></Error>' }),
        );
        const other = incident();
        refused.client.submit(other, ['adele.vance@contoso.com']);
        expect(refused.client.sendFromEvent(refused.events[0]!, other).status).toBe('refused');
        expect(refused.events).toHaveLength(1);
        expect(other.notes[0]).toContain('the queue answered 403 (AuthorizationPermissionMismatch) on attempt 1');
    });

    it('refuses, before queueing anything, a request too large for an event or for a queue message', () => {
        const { client, calls, events } = serviceNow(answerWith());
        const users = (count: number) => Array.from({ length: count }, (_, i) => `${'a'.repeat(100)}.${i}@contoso.com`);
        expect(() => client.submit(incident(), users(40))).toThrow('an event carries 4000');
        // Valid for the service (500 users, long UPNs) but too large for one queue message.
        expect(() => client.submit(incident(), users(500))).toThrow('the limit is 65536');
        expect([calls, events]).toEqual([[], []]);
    });

    it('refuses to send without the queue OAuth profile, naming the property', () => {
        const { client, calls, events } = serviceNow(answerWith(), { ...CONFIG, queueOAuthProfileId: '' });
        client.submit(incident(), ['adele.vance@contoso.com']);
        expect(() => client.sendFromEvent(events[0]!, incident())).toThrow('x_bcfs.queue_oauth_profile_id');
        expect(calls).toEqual([]);
    });

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
                        { system: 'bc.Production.sessions', status: 'failed', detail: '1 session(s) still present' },
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

    it('writes a finished result into the work notes, reading it with the status function key', () => {
        const { client, calls, tasks } = serviceNow(() => ({ status: 200, body: JSON.stringify(finished) }));
        expect(client.recordResult(finished.requestId)).toBe('recorded');
        expect(calls[0]).toMatchObject({
            method: 'GET',
            url: `https://func-bcfs.azurewebsites.net/api/signouts/${finished.requestId}`,
            headers: { 'x-functions-key': 'function-key' },
        });
        expect(tasks.get('46d44a5e1b0a2d1037aa6ff8ec4bcb12')?.notes).toEqual([
            [
                'BC force sign-out servicenow-INC0012345-0123456789abcdef: partial',
                '- adele.vance@contoso.com: processed; entra.revoke succeeded, bc.Production.sessions failed (1 session(s) still present)',
                'Tokens issued before revocation may reconnect until 2030-01-01T11:30:00.000Z',
                'Reconnects are cancelled until 2030-01-01T11:30:00.000Z',
            ].join('\n'),
        ]);
        expect(serviceNow(() => ({ status: 202 })).client.recordResult('x')).toBe('pending');
        expect(serviceNow(() => ({ status: 404 })).client.recordResult('x')).toBe('not-found');
    });

    it('reads results with an Entra token (SignOut.Read) when an API OAuth profile is set, and no key then', () => {
        const { client, calls } = serviceNow(() => ({ status: 200, body: JSON.stringify(finished) }), {
            ...CONFIG,
            apiOAuthProfileId: 'api-profile',
        });
        expect(client.recordResult(finished.requestId)).toBe('recorded');
        expect(calls[0]?.auth).toEqual({ type: 'oauth2', profileId: 'api-profile' });
        expect(calls[0]?.headers).not.toHaveProperty('x-functions-key');
    });

    it('refuses to read results without a read-only identity, naming both properties', () => {
        const { client, calls } = serviceNow(() => ({ status: 200 }), { ...CONFIG, apiCredentialId: '' });
        expect(() => client.recordResult('x')).toThrow('x_bcfs.api_oauth_profile_id or x_bcfs.api_credential_id');
        expect(calls).toEqual([]);
    });

    it('uses one prefix, x_bcfs, for every property, event and path it names', () => {
        const names = [
            ...fs.readFileSync(scriptPath, 'utf8').matchAll(/\bx_[a-z_]+(?=[./])/g),
            ...kitReadme.matchAll(/\bx_[a-z_]+(?=[./])/g),
            ...examples.flatMap(([, message]) => [...JSON.stringify(message).matchAll(/\bx_[a-z_]+(?=[./])/g)]),
        ].map((match) => match[0]);
        expect(new Set(names)).toEqual(new Set(['x_bcfs']));
    });
});
