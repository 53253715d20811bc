import {
    advance,
    describeProgress,
    formatElapsed,
    fractionDone,
    INITIAL_PROGRESS,
    milestones,
    Progress,
    progressPlanOf,
    renderProgressLine,
    type ProgressPlan,
} from '../../../src/cli/progress';
import { outcomeEvents } from '../../../src/core/engine/stepJournal';
import type { AuditEventInput } from '../../../src/core/ports/auditStore';
import { parseSignOutRequest } from '../../../src/core/request/signOutRequest';
import { memoryIo } from './memoryIo';

const outcome = (system: string, user = 'u1'): AuditEventInput => ({
    type: 'step-outcome',
    step: `${system}:${user}`,
    user,
    system,
    status: 'succeeded',
});
const plan: ProgressPlan = { entra: true, businessCentral: true, environmentCount: 2 };

describe('progress from audit events', () => {
    it('follows the engine: resolved, Entra, each environment, finished', () => {
        const started = advance(INITIAL_PROGRESS, [{ type: 'attempt-started' }]);
        expect(started).toEqual(INITIAL_PROGRESS);
        expect(describeProgress(started, plan)).toBe('resolving users and environments');
        expect(fractionDone(started, plan)).toBe(0);

        const intents = advance(started, [{ type: 'step-intent', step: 'entra.block:u1', user: 'u1' }]);
        expect(intents.resolved).toBe(true);
        expect(intents.entraDone).toBe(false);
        expect(describeProgress(intents, plan)).toBe('users resolved; Entra ID');

        const entra = advance(intents, [outcome('entra.revoke', 'u1'), outcome('entra.revoke', 'u2')]);
        // Outcomes handed over together share an event: each counts.
        const grouped = advance(
            intents,
            outcomeEvents(
                ['u1', 'u2'].map((user) => ({
                    step: `entra.revoke:${user}`,
                    user,
                    outcome: { system: 'entra.revoke', status: 'succeeded', at: '2026-11-27T12:00:00.000Z' },
                })),
            ),
        );
        expect(grouped).toEqual(entra);
        expect(entra).toMatchObject({ entraDone: true, entraOutcomes: 2 });
        expect(fractionDone(entra, plan)).toBeCloseTo(2 / 5);

        const production = advance(entra, [outcome('bc.PRODUCTION.sessions'), outcome('bc.PRODUCTION.user')]);
        expect(production.environmentsDone).toEqual(['PRODUCTION']);
        expect(describeProgress(production, plan)).toBe('Business Central: 1/2 environment(s) done (PRODUCTION)');
        expect(milestones(entra, production)).toEqual(['Business Central PRODUCTION done']);

        const finished = advance(production, [{ type: 'request-finished', status: 'completed' }]);
        expect(fractionDone(finished, plan)).toBe(1);
        expect(describeProgress(finished, plan)).toBe('finished: completed');
        expect(milestones(INITIAL_PROGRESS, finished)).toEqual([
            'Entra ID done (2 outcome(s))',
            'Business Central PRODUCTION done',
            'finished: completed',
        ]);
    });

    it('claims no share for environments it cannot count ("all")', () => {
        const all: ProgressPlan = { entra: true, businessCentral: true };
        const state = advance(INITIAL_PROGRESS, [outcome('entra.revoke'), outcome('bc.SANDBOX.sessions')]);
        expect(fractionDone(state, all)).toBeCloseTo(2 / 3);
        expect(describeProgress(state, all)).toBe('Business Central: 1 environment(s) done (SANDBOX)');
    });

    it('plans from the request', () => {
        const parsed = parseSignOutRequest(
            { users: ['a@contoso.com'], reason: 'x', environments: ['PRODUCTION'], actions: { revokeSessions: false } },
            { maxUsers: 5, defaultTenantId: 't', allowedTenantIds: ['t'], callbackHosts: [] },
        );
        if (!parsed.ok) throw new Error('expected a valid request');
        expect(progressPlanOf(parsed.value)).toEqual({
            entra: false,
            businessCentral: true,
            environmentCount: 1,
            users: 1,
        });
    });
});

describe('drawing', () => {
    it('renders a bar, the label and elapsed time, within the terminal width', () => {
        expect(formatElapsed(65_432)).toBe('1:05');
        expect(renderProgressLine('signing out 3 users', 0.5, 3_000, 0, 80)).toBe(
            '⠋ [██████████░░░░░░░░░░] signing out 3 users · 0:03',
        );
        expect(renderProgressLine('previewing', undefined, 0, 1, 80)).toBe('⠙ previewing · 0:00');
        expect(renderProgressLine('x'.repeat(200), 1, 0, 0, 40)).toHaveLength(39);
    });

    it('prints milestone lines when standard error is not a terminal', () => {
        const io = memoryIo({ env: {} });
        let now = 0;
        const progress = new Progress(io, 'signing out', plan, () => now);
        progress.start();
        now = 2_000;
        progress.observe([outcome('entra.revoke')]);
        progress.observe([{ type: 'request-finished', status: 'partial' }]);
        progress.stop();
        expect(io.err()).toBe(
            [
                '[0:02] users resolved, environments discovered',
                '[0:02] Entra ID done (1 outcome(s))',
                '[0:02] finished: partial',
                '',
            ].join('\n'),
        );
    });

    it('redraws one line on a terminal and clears it when done', () => {
        const io = memoryIo({ env: {}, tty: true });
        const progress = new Progress(io, 'signing out', plan, () => 0);
        progress.start();
        progress.observe([outcome('entra.revoke')]);
        progress.stop();
        const text = io.err();
        expect(text).not.toContain('\n');
        expect(text).toContain('signing out: Entra ID done; Business Central');
        expect(text.endsWith('\r\u001b[K')).toBe(true);
    });
});

describe('progress of a bulk request', () => {
    const bulk: ProgressPlan = { entra: true, businessCentral: true, users: 5000 };

    it('counts the users done per system', () => {
        const events = [
            ...Array.from({ length: 3 }, (_, i) => outcome('entra.revoke', `u${i}`)),
            outcome('bc.PRODUCTION.sessions', 'u0'),
            outcome('bc.PRODUCTION.user', 'u0'),
        ];
        expect(describeProgress(advance(INITIAL_PROGRESS, events), bulk)).toBe('Entra ID 3/5,000; PRODUCTION 1/5,000');
    });

    it('says what it waits for, instead of going silent, and does not repeat it in a log', () => {
        let now = 0;
        const io = memoryIo({ env: {} });
        const progress = new Progress(io, 'signing out 5000 users', bulk, () => now);
        const notice = {
            tenantId: 't',
            service: 'graph' as const,
            reason: 'write quota',
            waiting: 2000,
            waitInMs: 139_000,
        };
        progress.throttled(notice);
        now = 2_000;
        progress.throttled({ ...notice, waitInMs: 137_000 });
        expect(io.err()).toBe('[0:00] Graph write quota: 2,000 user(s) wait 139 s\n');
    });
});
