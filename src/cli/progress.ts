import type { AuditEventInput } from '../core/ports/auditStore';
import type { ThrottleNotice } from '../core/ports/throttling';
import type { SignOutRequest } from '../core/request/signOutRequest';
import { outcomesIn } from '../core/engine/stepJournal';
import { describeWait } from '../core/service/requestProgress';
import type { CliIo } from './io';

/**
 * Progress of one request, told by the audit events the engine appends as it goes (`processRequest` runs the
 * whole request in one call, so the trail is the only honest source). Only what was observed is shown.
 */
export interface ProgressPlan {
    entra: boolean;
    businessCentral: boolean;
    /** Named environments; undefined for "all", whose count is only known to the engine. */
    environmentCount?: number;
    /** Users of the request: a bulk request shows how many are done per system. */
    users?: number;
}

export function progressPlanOf(request: SignOutRequest): ProgressPlan {
    const { actions } = request;
    return {
        entra: actions.revokeSessions || actions.blockSignIn.kind !== 'off',
        businessCentral: actions.cancelBcSessions || actions.disableBcUser.kind !== 'off',
        ...(request.environments !== 'all' && { environmentCount: request.environments.length }),
        users: request.users.length,
    };
}

export interface ProgressState {
    resolved: boolean;
    entraOutcomes: number;
    entraDone: boolean;
    environmentsDone: readonly string[];
    /** Step outcomes seen per system (`entra.revoke`, `bc.PRODUCTION.sessions`, ...). */
    done: Readonly<Record<string, number>>;
    finishedWith?: string;
}

export const INITIAL_PROGRESS: ProgressState = {
    resolved: false,
    entraOutcomes: 0,
    entraDone: false,
    environmentsDone: [],
    done: {},
};

/** `entra.revoke`, or `bc.PRODUCTION.sessions` from an event's system or its step key (`<system>:<objectId>`). */
function systemOf(event: AuditEventInput): string | undefined {
    return event.system ?? event.step?.split(':', 1)[0];
}

/** One more step over in `system`. */
function counted(state: ProgressState, system: string): ProgressState {
    let next = { ...state, done: { ...state.done, [system]: (state.done[system] ?? 0) + 1 } };
    if (system.startsWith('entra.')) next = { ...next, entraDone: true, entraOutcomes: next.entraOutcomes + 1 };
    const environment = /^bc\.([^.]+)\./.exec(system)?.[1];
    if (environment && !next.environmentsDone.includes(environment))
        next = { ...next, environmentsDone: [...next.environmentsDone, environment] };
    return next;
}

/** The state after one batch of appended events. */
export function advance(state: ProgressState, events: readonly AuditEventInput[]): ProgressState {
    let next = state;
    for (const event of events) {
        if (event.type === 'request-finished')
            next = { ...next, resolved: true, finishedWith: event.status ?? 'finished' };
        if (event.type !== 'step-intent' && event.type !== 'step-outcome' && event.type !== 'step-outcomes') continue;
        // Engine steps start once users are resolved and environments discovered.
        next = { ...next, resolved: true };
        if (event.type === 'step-outcome') next = counted(next, systemOf(event) ?? '');
        if (event.type === 'step-outcomes')
            for (const { outcome } of outcomesIn(event)) next = counted(next, outcome.system);
    }
    return next;
}

/** Share of the known milestones reached: resolve, Entra, each named environment, finish. */
export function fractionDone(state: ProgressState, plan: ProgressPlan): number {
    if (state.finishedWith) return 1;
    let total = 2;
    let done = state.resolved ? 1 : 0;
    if (plan.entra) {
        total++;
        if (state.entraDone) done++;
    }
    if (plan.businessCentral && plan.environmentCount !== undefined) {
        total += plan.environmentCount;
        done += Math.min(state.environmentsDone.length, plan.environmentCount);
    }
    return done / total;
}

export function describeProgress(state: ProgressState, plan: ProgressPlan): string {
    if (state.finishedWith) return `finished: ${state.finishedWith}`;
    if (plan.users !== undefined && plan.users > 1 && Object.keys(state.done).length > 0)
        return countsOf(state, plan.users);
    const environments = state.environmentsDone.length;
    const of = plan.environmentCount === undefined ? '' : `/${plan.environmentCount}`;
    if (environments > 0)
        return `Business Central: ${environments}${of} environment(s) done (${state.environmentsDone.join(', ')})`;
    if (state.entraDone)
        return plan.businessCentral ? 'Entra ID done; Business Central environments' : 'Entra ID done; finishing';
    if (state.resolved)
        return plan.entra ? 'users resolved; Entra ID' : 'users resolved; Business Central environments';
    return 'resolving users and environments';
}

/** A bulk request's users done per system: `Entra ID 3,000/5,000; PRODUCTION 2,100/5,000`. */
function countsOf(state: ProgressState, users: number): string {
    const of = (n: number) => `${n.toLocaleString('en-US')}/${users.toLocaleString('en-US')}`;
    const parts = Object.entries(state.done)
        .filter(([system]) => system === 'entra.revoke' || system.endsWith('.sessions'))
        .map(
            ([system, n]) =>
                `${system === 'entra.revoke' ? 'Entra ID' : system.slice(3, -'.sessions'.length)} ${of(n)}`,
        );
    return parts.join('; ');
}

/** The milestone lines reached between two states, for a log that is not a terminal. */
export function milestones(before: ProgressState, after: ProgressState): string[] {
    const lines: string[] = [];
    if (after.resolved && !before.resolved && !after.finishedWith)
        lines.push('users resolved, environments discovered');
    if (after.entraDone && !before.entraDone) lines.push(`Entra ID done (${after.entraOutcomes} outcome(s))`);
    for (const environment of after.environmentsDone.filter((name) => !before.environmentsDone.includes(name)))
        lines.push(`Business Central ${environment} done`);
    if (after.finishedWith && !before.finishedWith) lines.push(`finished: ${after.finishedWith}`);
    return lines;
}

export function formatElapsed(elapsedInMs: number): string {
    const seconds = Math.floor(elapsedInMs / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 20;

/** One terminal line: spinner, bar (when there is a plan), what is happening, elapsed time. */
export function renderProgressLine(
    label: string,
    fraction: number | undefined,
    elapsedInMs: number,
    frame: number,
    columns: number,
): string {
    const spinner = SPINNER[frame % SPINNER.length]!;
    const filled = fraction === undefined ? 0 : Math.round(Math.max(0, Math.min(1, fraction)) * BAR_WIDTH);
    const bar = fraction === undefined ? '' : ` [${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
    const line = `${spinner}${bar} ${label} · ${formatElapsed(elapsedInMs)}`;
    return line.length < columns ? line : `${line.slice(0, Math.max(0, columns - 2))}…`;
}

const REDRAW_EVERY_MS = 100;
const CLEAR_LINE = '\r\u001b[K';

/**
 * Draws progress on standard error: one redrawn line on a terminal, plain milestone lines otherwise. Without a
 * plan (a preview, which writes no audit events) it shows the label and elapsed time only.
 */
export class Progress {
    private state = INITIAL_PROGRESS;
    private frame = 0;
    private waiting: { text: string; until: number; shownAt: number } | undefined;
    private timer: NodeJS.Timeout | undefined;
    private readonly startedAt: number;

    constructor(
        private readonly io: CliIo,
        private readonly label: string,
        private readonly plan?: ProgressPlan,
        private readonly clock: () => number = Date.now,
    ) {
        this.startedAt = clock();
    }

    start(): void {
        if (!this.io.stderrIsTTY) return;
        this.draw();
        this.timer = setInterval(() => this.draw(), REDRAW_EVERY_MS);
        // A forgotten progress line must never keep the process alive.
        this.timer.unref();
    }

    observe(events: readonly AuditEventInput[]): void {
        if (!this.plan) return;
        const before = this.state;
        this.state = advance(before, events);
        if (this.io.stderrIsTTY) this.draw();
        else
            for (const line of milestones(before, this.state))
                this.io.stderr(`[${formatElapsed(this.clock() - this.startedAt)}] ${line}\n`);
    }

    /**
     * A service limit being waited for: on the line while it lasts (a log gets it once per kind of wait and ten
     * seconds), so a run waiting for Graph's quota says so instead of going silent.
     */
    throttled(notice: ThrottleNotice): void {
        const now = this.clock();
        const text = describeWait(notice);
        const kind = text.split(':', 1)[0];
        const again =
            this.waiting && this.waiting.text.split(':', 1)[0] === kind && now - this.waiting.shownAt < 10_000;
        this.waiting = { text, until: now + notice.waitInMs, shownAt: again ? this.waiting!.shownAt : now };
        if (this.io.stderrIsTTY) this.draw();
        else if (!again) this.io.stderr(`[${formatElapsed(now - this.startedAt)}] ${text}\n`);
    }

    /** Clears the line, so the report that follows starts on a clean terminal. */
    stop(): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
        if (this.io.stderrIsTTY) this.io.stderr(CLEAR_LINE);
    }

    private draw(): void {
        const waiting = this.waiting && this.waiting.until > this.clock() ? ` · ${this.waiting.text}` : '';
        const label = `${this.plan ? `${this.label}: ${describeProgress(this.state, this.plan)}` : this.label}${waiting}`;
        const fraction = this.plan ? fractionDone(this.state, this.plan) : undefined;
        const line = renderProgressLine(
            label,
            fraction,
            this.clock() - this.startedAt,
            this.frame++,
            this.io.stderrColumns ?? 80,
        );
        this.io.stderr(`${CLEAR_LINE}${line}`);
    }
}
