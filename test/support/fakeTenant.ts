import { ServiceError } from '../../src/core/errors';
import type { HoldStore } from '../../src/core/engine/signOutEngine';
import type { StepJournal } from '../../src/core/engine/stepJournal';
import type { AuditEventInput, HoldRecord, WatchRecord } from '../../src/core/ports/auditStore';
import type {
    BcAdmin,
    BcAutomation,
    BcEnvironment,
    BcSession,
    BcUser,
    EnvironmentRef,
} from '../../src/core/ports/businessCentral';
import type { Directory, DirectoryUser, ItemResult } from '../../src/core/ports/directory';
import type { SystemOutcome } from '../../src/core/result';

/** An in-memory tenant behind our own ports, for unit tests of the engine (integration tests use the simulator). */
export class FakeTenant implements Directory, BcAdmin, BcAutomation {
    users: DirectoryUser[] = [];
    groups = new Map<string, string[]>();
    environments: BcEnvironment[] = [];
    sessions = new Map<string, BcSession[]>();
    bcUsers = new Map<string, BcUser[]>();
    automationRefused = new Set<string>();
    adminRoleUsers = new Set<string>();
    /** Sessions that survive a delete (to test verification). */
    stickySessions = new Set<number>();
    calls: string[] = [];

    private find(reference: string): DirectoryUser | undefined {
        const key = reference.toLowerCase();
        return this.users.find((u) => u.id === key || u.userPrincipalName.toLowerCase() === key);
    }

    private answer<T>(keys: readonly string[], fn: (user: DirectoryUser) => T): Map<string, ItemResult<T>> {
        return new Map(
            keys.map((key) => {
                const user = this.find(key);
                return [
                    key,
                    user
                        ? { ok: true as const, value: fn(user) }
                        : {
                              ok: false as const,
                              error: new ServiceError('graph', 404, 'Request_ResourceNotFound', 'no user'),
                          },
                ];
            }),
        );
    }

    async getUsers(references: readonly string[]) {
        this.calls.push(`getUsers ${references.length}`);
        return this.answer(references, (user) => ({ ...user }));
    }

    async checkMemberGroups(userIds: readonly string[], groupIds: readonly string[]) {
        this.calls.push(`checkMemberGroups ${userIds.length}`);
        return this.answer(userIds, (user) => (this.groups.get(user.id) ?? []).filter((g) => groupIds.includes(g)));
    }

    async revokeSignInSessions(userIds: readonly string[]) {
        this.calls.push(`revoke ${userIds.join(',')}`);
        return this.answer(userIds, (user) => {
            user.signInSessionsValidFromDateTime = new Date().toISOString();
            return true as const;
        });
    }

    async setAccountEnabled(userIds: readonly string[], enabled: boolean) {
        this.calls.push(`setAccountEnabled ${enabled} ${userIds.join(',')}`);
        const results = new Map<string, ItemResult<true>>();
        for (const id of userIds) {
            const user = this.find(id);
            if (!user)
                results.set(id, {
                    ok: false,
                    error: new ServiceError('graph', 404, 'Request_ResourceNotFound', 'no user'),
                });
            else if (this.adminRoleUsers.has(user.id))
                results.set(id, {
                    ok: false,
                    error: new ServiceError('graph', 403, 'Authorization_RequestDenied', 'denied'),
                });
            else {
                user.accountEnabled = enabled;
                results.set(id, { ok: true, value: true });
            }
        }
        return results;
    }

    async listEnvironments(_family: string) {
        this.calls.push('listEnvironments');
        return this.environments;
    }

    async getEnvironment(ref: EnvironmentRef) {
        return this.environments.find((e) => e.name === ref.name);
    }

    async listSessions(ref: EnvironmentRef) {
        this.calls.push(`listSessions ${ref.name}`);
        return [...(this.sessions.get(ref.name) ?? [])];
    }

    async deleteSession(ref: EnvironmentRef, sessionId: number) {
        this.calls.push(`deleteSession ${ref.name} ${sessionId}`);
        const list = this.sessions.get(ref.name) ?? [];
        const index = list.findIndex((s) => s.sessionId === sessionId);
        if (index < 0) return 'already-gone' as const;
        if (!this.stickySessions.has(sessionId)) list.splice(index, 1);
        return 'cancelled' as const;
    }

    async listUsers(environment: string) {
        this.calls.push(`listUsers ${environment}`);
        if (this.automationRefused.has(environment))
            throw new ServiceError('bc-automation', 401, 'Authentication_InvalidCredentials', 'refused');
        return (this.bcUsers.get(environment) ?? []).map((u) => ({ ...u }));
    }

    async getUser(environment: string, id: string) {
        return this.bcUsers.get(environment)?.find((u) => u.userSecurityId === id);
    }

    async setUserState(environment: string, user: BcUser, state: 'Enabled' | 'Disabled') {
        this.calls.push(`setUserState ${environment} ${user.userName} ${state}`);
        const stored = this.bcUsers.get(environment)?.find((u) => u.userSecurityId === user.userSecurityId);
        if (!stored) throw new ServiceError('bc-automation', 404, 'not-found', 'no user');
        stored.state = state;
        return { ...stored };
    }
}

/** A journal in memory, recording what it was told in order. */
export class MemoryJournal implements StepJournal {
    readonly outcomes = new Map<string, SystemOutcome>();
    readonly intents = new Map<string, Record<string, unknown>>();
    readonly log: string[] = [];

    outcomeOf(step: string) {
        return this.outcomes.get(step);
    }
    intentOf(step: string) {
        return this.intents.get(step);
    }
    async recordIntents(intents: readonly { step: string; user: string; data: Record<string, unknown> }[]) {
        for (const { step, data } of intents) {
            this.intents.set(step, data);
            this.log.push(`intent ${step}`);
        }
    }
    async recordOutcomes(outcomes: readonly { step: string; user: string; outcome: SystemOutcome }[]) {
        for (const { step, outcome } of outcomes) {
            if (outcome.status !== 'failed') this.outcomes.set(step, outcome);
            this.log.push(`outcome ${step} ${outcome.status}`);
        }
    }
    async note(events: readonly AuditEventInput[]) {
        for (const event of events) this.log.push(event.type);
    }
}

export class MemoryHolds implements HoldStore {
    readonly watches: WatchRecord[] = [];
    readonly holds: HoldRecord[] = [];
    async upsertWatch(watch: WatchRecord) {
        this.watches.push(watch);
    }
    async upsertHold(hold: HoldRecord) {
        this.holds.push(hold);
    }
    async listHoldsFor(objectId: string) {
        return this.holds.filter((hold) => hold.objectId === objectId);
    }
}
