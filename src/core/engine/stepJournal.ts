import type { AuditEventInput, AuditTrail } from '../ports/auditStore';
import type { SystemOutcome } from '../result';

/**
 * What the engine remembers between attempts: each step's outcome is written before the next step starts, and a
 * change's prior state is written before the change (its intent), so a redelivered request repeats no completed
 * step and restores only what this service changed.
 */
export interface StepJournal {
    outcomeOf(step: string): SystemOutcome | undefined;
    intentOf(step: string): Record<string, unknown> | undefined;
    recordIntents(intents: readonly { step: string; user: string; data: Record<string, unknown> }[]): Promise<void>;
    recordOutcomes(outcomes: readonly { step: string; user: string; outcome: SystemOutcome }[]): Promise<void>;
    /** Free-form events (e.g. `attempt-started`), kept in the same chain. */
    note(events: readonly AuditEventInput[]): Promise<void>;
}

export const stepKey = (system: string, objectId: string) => `${system}:${objectId}`;

/** A journal over a request's audit trail: reads earlier attempts' events, appends its own. */
export class TrailJournal implements StepJournal {
    private readonly outcomes = new Map<string, SystemOutcome>();
    private readonly intents = new Map<string, Record<string, unknown>>();

    constructor(private readonly trail: AuditTrail) {
        for (const event of trail.events()) {
            if (!event.step) continue;
            if (event.type === 'step-outcome' && event.data?.outcome)
                this.remember(event.step, event.data.outcome as SystemOutcome);
            if (event.type === 'step-intent' && event.data) this.intents.set(event.step, event.data);
        }
    }

    outcomeOf(step: string): SystemOutcome | undefined {
        return this.outcomes.get(step);
    }

    intentOf(step: string): Record<string, unknown> | undefined {
        return this.intents.get(step);
    }

    async recordIntents(
        intents: readonly { step: string; user: string; data: Record<string, unknown> }[],
    ): Promise<void> {
        if (intents.length === 0) return;
        await this.trail.append(intents.map(({ step, user, data }) => ({ type: 'step-intent', step, user, data })));
        for (const { step, data } of intents) this.intents.set(step, data);
    }

    async recordOutcomes(outcomes: readonly { step: string; user: string; outcome: SystemOutcome }[]): Promise<void> {
        if (outcomes.length === 0) return;
        await this.trail.append(
            outcomes.map(({ step, user, outcome }) => ({
                type: 'step-outcome',
                step,
                user,
                system: outcome.system,
                status: outcome.status,
                ...(outcome.detail && { detail: outcome.detail }),
                data: { outcome },
            })),
        );
        for (const { step, outcome } of outcomes) this.remember(step, outcome);
    }

    /** Failed steps stay in the audit but are not remembered as done: the next attempt tries them again. */
    private remember(step: string, outcome: SystemOutcome): void {
        if (outcome.status !== 'failed') this.outcomes.set(step, outcome);
    }

    async note(events: readonly AuditEventInput[]): Promise<void> {
        if (events.length > 0) await this.trail.append(events);
    }
}
