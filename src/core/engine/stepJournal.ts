import type { AuditEventInput, AuditTrail } from '../ports/auditStore';
import type { SystemOutcome } from '../result';

/**
 * What the engine remembers between attempts. A change's prior state is written before the change (its intent), so
 * a release restores only what this service changed; outcomes are written in the background, batched, and all of
 * them before the request finishes (`flush`), so a redelivered request repeats no completed step.
 */
export interface StepJournal {
    /** Whether an earlier attempt recorded any step outcome: the request is being resumed. */
    readonly resumed: boolean;
    outcomeOf(step: string): SystemOutcome | undefined;
    intentOf(step: string): Record<string, unknown> | undefined;
    /** Stored when it resolves: an intent is written before its change. */
    recordIntents(intents: readonly { step: string; user: string; data: Record<string, unknown> }[]): Promise<void>;
    /** Remembered at once, stored in the background; `flush` waits for them. */
    recordOutcomes(outcomes: readonly StepOutcome[]): Promise<void>;
    /** Free-form events (e.g. `attempt-started`), kept in the same chain; stored in the background like outcomes. */
    note(events: readonly AuditEventInput[]): Promise<void>;
    /** Waits until everything handed over is stored; throws the first storage failure. */
    flush(): Promise<void>;
}

export const stepKey = (system: string, objectId: string) => `${system}:${objectId}`;

export interface StepOutcome {
    step: string;
    user: string;
    outcome: SystemOutcome;
}

/** Outcomes in one `step-outcomes` event at most: a verification of thousands of users is tens of events, not thousands. */
const OUTCOMES_PER_EVENT = 50;

/**
 * One outcome is a `step-outcome` event of its own; outcomes handed over together (a group of users, a
 * verification) share `step-outcomes` events, with the system and status when they are the same for all.
 */
export function outcomeEvents(outcomes: readonly StepOutcome[]): AuditEventInput[] {
    if (outcomes.length === 1) {
        const [{ step, user, outcome }] = outcomes as [StepOutcome];
        return [
            {
                type: 'step-outcome',
                step,
                user,
                system: outcome.system,
                status: outcome.status,
                ...(outcome.detail && { detail: outcome.detail }),
                data: { outcome },
            },
        ];
    }
    const events: AuditEventInput[] = [];
    for (let start = 0; start < outcomes.length; start += OUTCOMES_PER_EVENT) {
        const group = outcomes.slice(start, start + OUTCOMES_PER_EVENT);
        const systems = new Set(group.map(({ outcome }) => outcome.system));
        const statuses = new Set(group.map(({ outcome }) => outcome.status));
        events.push({
            type: 'step-outcomes',
            ...(systems.size === 1 && { system: group[0]!.outcome.system }),
            ...(statuses.size === 1 && { status: group[0]!.outcome.status }),
            detail: `${group.length} outcomes`,
            data: { outcomes: group.map(({ step, user, outcome }) => ({ step, user, outcome })) },
        });
    }
    return events;
}

/** The step outcomes an event records: one (`step-outcome`), several (`step-outcomes`), or none. */
export function outcomesIn(event: AuditEventInput): StepOutcome[] {
    if (event.type === 'step-outcome' && event.step && event.data?.outcome)
        return [{ step: event.step, user: event.user ?? '', outcome: event.data.outcome as SystemOutcome }];
    if (event.type === 'step-outcomes' && Array.isArray(event.data?.outcomes))
        return event.data.outcomes as StepOutcome[];
    return [];
}

/**
 * A journal over a request's audit trail: reads earlier attempts' events, appends its own. Outcomes and notes are
 * gathered and appended once per turn of the event loop, so thousands of outcomes go in transactions of a hundred
 * while remote work goes on, instead of one append each on the critical path.
 */
export class TrailJournal implements StepJournal {
    private readonly outcomes = new Map<string, SystemOutcome>();
    private readonly intents = new Map<string, Record<string, unknown>>();
    private buffered: AuditEventInput[] = [];
    private drainScheduled = false;
    private readonly writes: Promise<unknown>[] = [];
    readonly resumed: boolean;

    constructor(
        private readonly trail: AuditTrail,
        /** Told of outcomes as they are handed over, e.g. to show progress. */
        private readonly onOutcomes: (outcomes: readonly { outcome: SystemOutcome }[]) => void = () => undefined,
    ) {
        let resumed = false;
        for (const event of trail.events()) {
            for (const { step, outcome } of outcomesIn(event)) {
                resumed = true;
                this.remember(step, outcome);
            }
            if (event.type === 'step-intent' && event.step && event.data) this.intents.set(event.step, event.data);
        }
        this.resumed = resumed;
        // Steps an earlier attempt finished are done for this one too: progress starts from them, not from zero.
        if (this.outcomes.size > 0) onOutcomes([...this.outcomes.values()].map((outcome) => ({ outcome })));
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
        // What was handed over before goes first: the chain keeps the order things happened in.
        this.drain();
        await this.trail.append(intents.map(({ step, user, data }) => ({ type: 'step-intent', step, user, data })));
        for (const { step, data } of intents) this.intents.set(step, data);
    }

    async recordOutcomes(outcomes: readonly StepOutcome[]): Promise<void> {
        for (const { step, outcome } of outcomes) this.remember(step, outcome);
        this.onOutcomes(outcomes);
        this.buffer(outcomeEvents(outcomes));
    }

    async note(events: readonly AuditEventInput[]): Promise<void> {
        this.buffer(events);
    }

    async flush(): Promise<void> {
        this.drain();
        await Promise.all(this.writes);
    }

    /** Failed steps stay in the audit but are not remembered as done: the next attempt tries them again. */
    private remember(step: string, outcome: SystemOutcome): void {
        if (outcome.status !== 'failed') this.outcomes.set(step, outcome);
    }

    private buffer(events: readonly AuditEventInput[]): void {
        if (events.length === 0) return;
        this.buffered.push(...events);
        if (this.drainScheduled) return;
        this.drainScheduled = true;
        setImmediate(() => this.drain());
    }

    private drain(): void {
        this.drainScheduled = false;
        if (this.buffered.length === 0) return;
        const write = this.trail.append(this.buffered);
        this.buffered = [];
        // Seen by `flush`; kept from being reported as unhandled meanwhile.
        write.catch(() => undefined);
        this.writes.push(write);
    }
}
