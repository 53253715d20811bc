import type { ServiceName } from './callLog';
import { seededRandom } from './random';

export type FaultKind = 'latency' | 'status' | 'throttle' | 'drop' | 'truncate';

export interface FaultRule {
    service?: ServiceName;
    method?: string;
    /**
     * Tested on the decoded path after the service prefix (`/v1.0/users/x/revokeSignInSessions`, `/admin/v2.28/...`,
     * `/v2.0/PRODUCTION/api/...`); a `$batch` item is tested as `/v1.0` + its url.
     */
    path?: RegExp;
    kind: FaultKind;
    /** For `latency`. */
    latencyMs?: number;
    /** For `status`, e.g. 500 or 503, answered in the service's error shape. */
    status?: number;
    /** For `throttle` (429 + Retry-After, default 1); also sent with a `status` fault when given. */
    retryAfterSeconds?: number;
    /** Apply to the first N matching calls, then stop. */
    times?: number;
    /** Apply to this fraction (0..1) of matching calls, drawn from a PRNG seeded per rule. */
    rate?: number;
}

export interface FaultTarget {
    service: ServiceName;
    method: string;
    path: string;
}

export type FaultAction =
    | { kind: 'status'; status: number; retryAfterSeconds?: number }
    | { kind: 'throttle'; retryAfterSeconds: number }
    | { kind: 'drop' }
    /** The real answer, cut in half: its connection closes mid-body. */
    | { kind: 'truncate' };

/** What to do to one call: wait `latencyMs`, then take `action` instead of answering normally. */
export interface FaultDecision {
    latencyMs: number;
    action?: FaultAction;
    /** Kinds applied, for the call log. */
    applied: FaultKind[];
}

interface ActiveRule {
    rule: FaultRule;
    path?: RegExp;
    remaining?: number;
    random: () => number;
}

/** Test-controlled failures. Rules apply in the order they were added; latencies add up, the first failure wins. */
export class FaultInjector {
    private readonly rules = new Map<string, ActiveRule>();
    private nextId = 1;

    /** Adds a rule and answers its id (for `remove`). */
    add(rule: FaultRule): string {
        validate(rule);
        const id = `fault-${this.nextId++}`;
        this.rules.set(id, {
            rule,
            // A global or sticky RegExp keeps state between `test` calls: use a stateless copy.
            path: rule.path ? new RegExp(rule.path.source, rule.path.flags.replace(/[gy]/g, '')) : undefined,
            remaining: rule.times,
            random: seededRandom(this.nextId * 7919),
        });
        return id;
    }

    remove(id: string): boolean {
        return this.rules.delete(id);
    }

    clear(): void {
        this.rules.clear();
    }

    decide(target: FaultTarget): FaultDecision {
        const decision: FaultDecision = { latencyMs: 0, applied: [] };
        for (const active of this.rules.values()) {
            const { rule } = active;
            if (!matches(active, target)) continue;
            if (rule.kind !== 'latency' && decision.action) continue;
            if (rule.rate !== undefined && active.random() >= rule.rate) continue;
            if (active.remaining !== undefined) active.remaining--;
            decision.applied.push(rule.kind);
            if (rule.kind === 'latency') decision.latencyMs += rule.latencyMs ?? 0;
            else decision.action = actionOf(rule);
        }
        return decision;
    }
}

function matches(active: ActiveRule, target: FaultTarget): boolean {
    const { rule } = active;
    if (active.remaining !== undefined && active.remaining <= 0) return false;
    if (rule.service !== undefined && rule.service !== target.service) return false;
    if (rule.method !== undefined && rule.method.toUpperCase() !== target.method) return false;
    return active.path === undefined || active.path.test(target.path);
}

function actionOf(rule: FaultRule): FaultAction {
    switch (rule.kind) {
        case 'status':
            return { kind: 'status', status: rule.status as number, retryAfterSeconds: rule.retryAfterSeconds };
        case 'throttle':
            return { kind: 'throttle', retryAfterSeconds: rule.retryAfterSeconds ?? 1 };
        case 'truncate':
            return { kind: 'truncate' };
        default:
            return { kind: 'drop' };
    }
}

function validate(rule: FaultRule): void {
    if (rule.kind === 'status' && (rule.status === undefined || rule.status < 400 || rule.status > 599))
        throw new RangeError('A status fault needs a status from 400 to 599');
    if (rule.kind === 'latency' && !(rule.latencyMs !== undefined && rule.latencyMs >= 0))
        throw new RangeError('A latency fault needs latencyMs >= 0');
    if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1))
        throw new RangeError('rate must be within 0..1');
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 1))
        throw new RangeError('times must be a whole number >= 1');
}
