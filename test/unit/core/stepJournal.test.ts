import { outcomeEvents, stepKey, TrailJournal, type StepOutcome } from '../../../src/core/engine/stepJournal';
import type { AuditEvent, AuditEventInput, AuditTrail } from '../../../src/core/ports/auditStore';

/** A trail in memory: what was appended is what the next attempt reads. */
function memoryTrail(events: AuditEvent[] = []): AuditTrail {
    return {
        requestId: 'r1',
        events: () => events,
        append: async (inputs: readonly AuditEventInput[]) => {
            const added = inputs.map((input, index) => ({
                ...input,
                requestId: 'r1',
                sequence: events.length + index + 1,
                at: '2026-11-27T12:00:00.000Z',
                hash: 'h',
                previousHash: 'p',
            }));
            events.push(...added);
            return added;
        },
    };
}

const verified = (count: number): StepOutcome[] =>
    Array.from({ length: count }, (_, index) => ({
        step: stepKey('bc.PRODUCTION.sessions', `user-${index}`),
        user: `user-${index}`,
        outcome: { system: 'bc.PRODUCTION.sessions', status: 'succeeded', at: '2026-11-27T12:00:00.000Z' },
    }));

const aliceRevoked = (status: 'succeeded' | 'failed'): StepOutcome => ({
    step: stepKey('entra.revoke', 'alice'),
    user: 'alice',
    outcome: { system: 'entra.revoke', status, at: '2026-11-27T12:00:00.000Z' },
});

/** The trail a first attempt leaves: `sessions` users' sessions verified, then alice's revocation. */
async function firstAttempt(sessions: number, alice: 'succeeded' | 'failed'): Promise<AuditTrail> {
    const trail = memoryTrail();
    const journal = new TrailJournal(trail);
    await journal.recordOutcomes(verified(sessions));
    await journal.recordOutcomes([aliceRevoked(alice)]);
    await journal.flush();
    return trail;
}

describe('the step journal', () => {
    it('writes outcomes handed over together as a few events, and the next attempt reads every one of them', async () => {
        const trail = await firstAttempt(120, 'succeeded');
        expect(trail.events().map((event) => event.type)).toEqual([
            'step-outcomes',
            'step-outcomes',
            'step-outcomes',
            'step-outcome',
        ]);
        expect(trail.events()[0]).toMatchObject({ system: 'bc.PRODUCTION.sessions', status: 'succeeded' });

        const resumed = new TrailJournal(trail);
        expect(resumed.resumed).toBe(true);
        expect(resumed.outcomeOf(stepKey('bc.PRODUCTION.sessions', 'user-119'))).toMatchObject({ status: 'succeeded' });
        expect(resumed.outcomeOf(stepKey('entra.revoke', 'alice'))).toMatchObject({ status: 'succeeded' });
    });

    it('does not remember a failed step as done, grouped or not', () => {
        const failed = verified(2).map((entry) => ({
            ...entry,
            outcome: { ...entry.outcome, status: 'failed' as const },
        }));
        const journal = new TrailJournal(memoryTrail(outcomeEvents(failed) as AuditEvent[]));
        expect(journal.outcomeOf(failed[0]!.step)).toBeUndefined();
    });
});

describe('a resumed attempt', () => {
    it('reports the steps done before as progress, once, and not the failed ones it will try again', async () => {
        const trail = await firstAttempt(3, 'failed');
        const counted: string[] = [];
        new TrailJournal(trail, (outcomes) => counted.push(...outcomes.map(({ outcome }) => outcome.system)));
        expect(counted).toEqual(['bc.PRODUCTION.sessions', 'bc.PRODUCTION.sessions', 'bc.PRODUCTION.sessions']);
    });
});
