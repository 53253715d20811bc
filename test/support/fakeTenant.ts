import { ServiceError, TransientServiceError } from '../../src/core/errors';
import { buildProtectedSet } from '../../src/core/guard/buildProtectedSet';
import type { ProtectedRoles } from '../../src/core/guard/protectedEntries';
import type { ProtectedSet } from '../../src/core/guard/protectedSet';
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
import type {
    AccountEnabledChange,
    Directory,
    DirectoryUser,
    ItemResult,
    RoleAssignment,
} from '../../src/core/ports/directory';
import type { SystemOutcome } from '../../src/core/result';

/** An in-memory tenant behind our own ports, for unit tests of the engine (integration tests use the simulator). */
export class FakeTenant implements Directory, BcAdmin, BcAutomation {
    users: DirectoryUser[] = [];
    /** Transitive group memberships: user object id → group ids. */
    groups = new Map<string, string[]>();
    /** Groups that exist, by id → display name. */
    groupNames = new Map<string, string>();
    roleAssignments: RoleAssignment[] = [];
    /** What the directory audit log says; `undefined` = the app may not read it (403). */
    auditChanges: AccountEnabledChange[] | undefined = [];
    /** Revocations happen, but their answers are lost (a time-out after Graph acted). */
    loseRevokeAnswers = false;
    /** A failure every Graph read answers while set (e.g. a passing 503), by method name. */
    failing = new Map<string, ServiceError>();
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
        const failure = this.failing.get('checkMemberGroups');
        if (failure) return new Map(userIds.map((id) => [id, { ok: false as const, error: failure }]));
        return this.answer(userIds, (user) => (this.groups.get(user.id) ?? []).filter((g) => groupIds.includes(g)));
    }

    async findUsersByLocalPart(localParts: readonly string[]) {
        this.calls.push(`findUsersByLocalPart ${localParts.join(',')}`);
        const failure = this.failing.get('findUsersByLocalPart');
        return new Map(
            localParts.map((localPart) => {
                const prefix = `${localPart.toLowerCase()}@`;
                const value = this.users
                    .filter((u) => [u.userPrincipalName, u.mail].some((v) => v?.toLowerCase().startsWith(prefix)))
                    .map(({ id, userPrincipalName, mail }) => ({ id, userPrincipalName, mail }));
                return [localPart, failure ? { ok: false as const, error: failure } : { ok: true as const, value }];
            }),
        );
    }

    async getGroups(groupIds: readonly string[]) {
        this.calls.push(`getGroups ${groupIds.length}`);
        return new Map(
            groupIds.map((id): [string, ItemResult<{ id: string; displayName: string }>] => {
                const displayName = this.groupNames.get(id);
                return [
                    id,
                    displayName
                        ? { ok: true, value: { id, displayName } }
                        : { ok: false, error: new ServiceError('graph', 404, 'Request_ResourceNotFound', 'no group') },
                ];
            }),
        );
    }

    async listGroupUsers(groupIds: readonly string[], maxUsers: number) {
        this.calls.push(`listGroupUsers ${groupIds.length}`);
        const failure = this.failing.get('listGroupUsers');
        return new Map(
            groupIds.map((groupId) => {
                const members = this.users
                    .filter((u) => (this.groups.get(u.id) ?? []).includes(groupId))
                    .map(({ id, userPrincipalName, mail }) => ({ id, userPrincipalName, mail }));
                const value = { users: members.slice(0, maxUsers), complete: members.length <= maxUsers };
                return [groupId, failure ? { ok: false as const, error: failure } : { ok: true as const, value }];
            }),
        );
    }

    async listRoleAssignments(roleTemplateIds: readonly string[] | 'all') {
        this.calls.push('listRoleAssignments');
        const failure = this.failing.get('listRoleAssignments');
        if (failure) throw failure;
        return this.roleAssignments.filter(
            (a) => roleTemplateIds === 'all' || roleTemplateIds.includes(a.roleTemplateId),
        );
    }

    async listAccountEnabledChanges(objectId: string, since: Date) {
        this.calls.push(`listAccountEnabledChanges ${objectId}`);
        if (!this.auditChanges) throw new ServiceError('graph', 403, 'Authorization_RequestDenied', 'denied');
        return this.auditChanges.filter((change) => Date.parse(change.at) >= since.getTime());
    }

    async revokeSignInSessions(userIds: readonly string[]) {
        this.calls.push(`revoke ${userIds.join(',')}`);
        return this.answer(userIds, (user) => {
            user.signInSessionsValidFromDateTime = new Date().toISOString();
            return true as const;
        });
    }

    async lookUpAndRevoke(references: readonly string[]) {
        this.calls.push(`lookUpAndRevoke ${references.join(',')}`);
        const users = this.answer(references, (user) => ({ ...user }));
        return new Map(
            references.map((reference) => {
                const user = users.get(reference)!;
                if (user.ok) this.find(reference)!.signInSessionsValidFromDateTime = new Date().toISOString();
                const revoked = !user.ok
                    ? user
                    : this.loseRevokeAnswers
                      ? {
                            ok: false as const,
                            error: new TransientServiceError('graph', undefined, 'answer-lost', 'lost', undefined),
                        }
                      : { ok: true as const, value: true as const };
                return [reference, { user, revoked }];
            }),
        );
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

    async prepare(_environment: string) {}

    async listUsers(environment: string) {
        this.calls.push(`listUsers ${environment}`);
        if (this.automationRefused.has(environment))
            throw new ServiceError('bc-automation', 401, 'Authentication_InvalidCredentials', 'refused');
        const failure = this.failing.get(`listUsers ${environment}`);
        if (failure) throw failure;
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

    get resumed() {
        return this.outcomes.size > 0;
    }

    async flush() {}

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
    async upsertWatches(watches: readonly WatchRecord[]) {
        this.watches.push(...watches);
    }
    async upsertHold(hold: HoldRecord) {
        this.holds.push(hold);
    }
    async listHoldsFor(objectId: string) {
        return this.holds.filter((hold) => hold.objectId === objectId);
    }
}

/** The protected set a unit test runs with: built by the real code from a fake directory. */
export async function protectedSetFor(
    directory: Directory,
    entries: { users?: string[]; groups?: string[]; roles?: ProtectedRoles; serviceIds?: string[] } = {},
    tenantId = '11111111-1111-1111-1111-111111111111',
): Promise<ProtectedSet> {
    return buildProtectedSet(
        directory,
        {
            homeTenantId: tenantId,
            protectedUsers: (entries.users ?? []).map((value) => ({ value })),
            protectedGroupIds: (entries.groups ?? []).map((value) => ({ value })),
            protectedRoles: entries.roles ?? { kind: 'listed', privileged: true, templateIds: [] },
            serviceIdentityIds: entries.serviceIds ?? [],
        },
        tenantId,
        Date.now(),
    );
}
