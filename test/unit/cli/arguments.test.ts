import { parseHold, parseInstant, parseTicket, parseWholeNumber } from '../../../src/cli/arguments';
import { formatProblems } from '../../../src/cli/requestProblems';
import { parseRequestArguments, requestInputOf } from '../../../src/cli/requestOptions';
import { parseSignOutRequest, type RequestPolicy } from '../../../src/core/request/signOutRequest';
import { memoryIo } from './memoryIo';

const TENANT = '11111111-1111-1111-1111-111111111111';
const policy: RequestPolicy = { maxUsers: 10, defaultTenantId: TENANT, allowedTenantIds: [TENANT], callbackHosts: [] };

async function inputOf(args: string[], stdin?: string) {
    const parsed = parseRequestArguments(args);
    if (!parsed.ok) throw new Error(parsed.message);
    return requestInputOf(parsed.value, memoryIo({ env: {}, ...(stdin !== undefined && { stdin }) }));
}

describe('durations', () => {
    it.each([
        ['60m', { mode: 'for', minutes: 60 }],
        ['2h', { mode: 'for', minutes: 120 }],
        ['1d', { mode: 'for', minutes: 1440 }],
        ['90 M', { mode: 'for', minutes: 90 }],
        ['permanent', { mode: 'permanent' }],
        ['Permanent', { mode: 'permanent' }],
        ['off', { mode: 'off' }],
        ['until:2030-01-31T18:00:00Z', { mode: 'until', until: '2030-01-31T18:00:00Z' }],
        ['until:2030-01-31T18:00:00+02:00', { mode: 'until', until: '2030-01-31T18:00:00+02:00' }],
    ])('reads %s as the schema hold %j', (text, hold) => {
        expect(parseHold('--block', text)).toEqual({ ok: true, value: hold });
    });

    it.each(['60', '2 hours', 'h', '-5m', 'forever', ''])('refuses %j, naming the option', (text) => {
        const parsed = parseHold('--disable-bc', text);
        expect(parsed.ok).toBe(false);
        expect(!parsed.ok && parsed.problem.field).toBe('--disable-bc');
        expect(!parsed.ok && parsed.problem.reason).toMatch(/60m, 2h, 1d, until:.*, permanent or off/);
    });

    it('leaves the judgement of an until time to the schema', () => {
        const parsed = parseHold('--block', 'until:yesterday');
        expect(parsed).toEqual({ ok: true, value: { mode: 'until', until: 'yesterday' } });
    });
});

describe('other option values', () => {
    it('reads a ticket as system and number', () => {
        expect(parseTicket('--ticket', 'ServiceNow:INC0012345')).toEqual({
            ok: true,
            value: { system: 'servicenow', number: 'INC0012345' },
        });
        expect(parseTicket('--ticket', 'INC0012345').ok).toBe(false);
    });

    it('reads whole numbers and ISO times only', () => {
        expect(parseWholeNumber('--watch-minutes', '30')).toEqual({ ok: true, value: 30 });
        expect(parseWholeNumber('--watch-minutes', '1.5').ok).toBe(false);
        expect(parseWholeNumber('--watch-minutes', 'ten').ok).toBe(false);
        expect(parseInstant('--from', '2030-01-31T18:00:00Z')).toEqual({
            ok: true,
            value: new Date('2030-01-31T18:00:00Z'),
        });
        expect(parseInstant('--from', '1700000000000').ok).toBe(false);
        expect(parseInstant('--from', '2030-13-45').ok).toBe(false);
    });
});

describe('the request built from the command line', () => {
    it('speaks the request schema', async () => {
        const { input, problems } = await inputOf([
            '--user',
            'alice@contoso.com',
            '-u',
            'bob@contoso.com',
            '--reason',
            'Stolen laptop',
            '--env',
            'PRODUCTION,SANDBOX',
            '-e',
            'UAT',
            '--block',
            '2h',
            '--disable-bc',
            'permanent',
            '--no-revoke',
            '--watch-minutes',
            '30',
            '--ticket',
            'servicenow:INC001',
            '--request-id',
            'cli-test-1',
        ]);
        expect(problems).toEqual([]);
        expect(input).toEqual({
            users: ['alice@contoso.com', 'bob@contoso.com'],
            reason: 'Stolen laptop',
            environments: ['PRODUCTION', 'SANDBOX', 'UAT'],
            actions: {
                revokeSessions: false,
                cancelBcSessions: true,
                blockSignIn: { mode: 'for', minutes: 120 },
                disableBcUser: { mode: 'permanent' },
            },
            watchMinutes: 30,
            ticket: { system: 'servicenow', number: 'INC001' },
            requestId: 'cli-test-1',
        });
        const now = new Date('2030-01-01T00:00:00Z');
        const parsed = parseSignOutRequest(input, policy, now);
        expect(parsed.ok && parsed.value.actions.blockSignIn).toEqual({
            kind: 'until',
            until: '2030-01-01T02:00:00.000Z',
        });
    });

    it('leaves environments to the default ("all") unless named', async () => {
        expect((await inputOf(['-u', 'a@contoso.com', '-r', 'x'])).input).not.toHaveProperty('environments');
        expect((await inputOf(['-u', 'a@contoso.com', '-r', 'x', '--env', 'all'])).input.environments).toBe('all');
    });

    it('chooses environments by type with --env-type, and the schema refuses it with --env', async () => {
        const byType = await inputOf(['-u', 'a@contoso.com', '-r', 'x', '--env-type', 'Production,Sandbox']);
        expect(byType.input).toMatchObject({ environmentTypes: ['Production', 'Sandbox'] });
        expect(byType.input).not.toHaveProperty('environments');
        const both = await inputOf(['-u', 'a@contoso.com', '-r', 'x', '--env', 'UAT', '--env-type', 'Sandbox']);
        const parsed = parseSignOutRequest(both.input, policy);
        expect(!parsed.ok && formatProblems(parsed.problems)).toEqual([
            '  environmentTypes (--env-type): must not be given with environments: choose environments by name or by type, not both',
        ]);
    });

    it('combines arguments and standard input; the schema folds duplicates', async () => {
        const { input } = await inputOf(
            ['-u', 'Alice@contoso.com', '-', '-r', 'x'],
            'alice@contoso.com\nbob@contoso.com\n',
        );
        expect(input.users).toEqual(['Alice@contoso.com', 'alice@contoso.com', 'bob@contoso.com']);
        const parsed = parseSignOutRequest(input, policy);
        expect(parsed.ok && parsed.value.users).toEqual(['Alice@contoso.com', 'bob@contoso.com']);
    });

    it('names every bad option at once and keeps what it could read', async () => {
        const { input, problems } = await inputOf([
            '-u',
            'a@contoso.com',
            '--block',
            '3x',
            '--watch-minutes',
            'lots',
            'stray',
        ]);
        expect(problems.map((p) => p.field)).toEqual(['(arguments)', '--block', '--watch-minutes', '--reason']);
        expect(input.users).toEqual(['a@contoso.com']);
        expect(input.actions).toEqual({ revokeSessions: true, cancelBcSessions: true });
    });

    it('reports an unknown option as a usage error, not an exception', () => {
        const parsed = parseRequestArguments(['--user', 'a@contoso.com', '--force']);
        expect(parsed.ok).toBe(false);
        expect(!parsed.ok && parsed.message).toMatch(/--force/);
    });
});
