import type { SimulatorClock } from './clock';
import type { BcUserState, FixtureEnvironment, TenantFixture, UserType } from './fixture';
import { labelGuid, newRequestId } from './random';

/** An Entra user as the simulator keeps it: Graph properties plus what the reality model needs. */
export interface EntraUserRecord {
    id: string;
    userPrincipalName: string;
    mail: string | null;
    displayName: string;
    givenName: string | null;
    surname: string | null;
    jobTitle: string | null;
    userType: UserType;
    accountEnabled: boolean;
    isAdminRole: boolean;
    groupIds: string[];
    signInSessionsValidFromDateTime: string;
    /** Simulator time of the last revokeSignInSessions; undefined = never revoked. */
    revokedAt?: number;
    /** Simulator time sign-in was blocked (accountEnabled set to false); undefined while enabled. */
    blockedAt?: number;
}

export interface GroupRecord {
    id: string;
    displayName: string;
    isAssignableToRole?: boolean;
}

/** An active directory role assignment, tenant-wide (`directoryScopeId` `/`). */
export interface RoleAssignmentRecord {
    id: string;
    roleDefinitionId: string;
    principalId: string;
    directoryScopeId: string;
}

/** Who made a directory change: this app, or an admin. */
export type AuditInitiator =
    | { app: { appId: string; displayName: string; servicePrincipalId: string } }
    | { user: { id: string; userPrincipalName: string; displayName: string } };

/** A directory audit entry about one user's `AccountEnabled` (platform-facts §11). */
export interface DirectoryAuditRecord {
    id: string;
    /** Simulator time of the change. */
    at: number;
    activityDisplayName: string;
    initiatedBy: AuditInitiator;
    targetId: string;
    targetUserPrincipalName: string;
    oldValue: boolean;
    newValue: boolean;
}

/**
 * Application permissions (app roles on Microsoft Graph) the app was granted: routes that need one answer 403
 * `Authorization_RequestDenied` without it. Every permission the service can use is granted by default.
 */
export const DEFAULT_GRAPH_PERMISSIONS = [
    'User.Read.All',
    'User.RevokeSessions.All',
    'User.EnableDisableAccount.All',
    'GroupMember.Read.All',
    'RoleManagement.Read.Directory',
    'AuditLog.Read.All',
] as const;

/**
 * Application permissions (app roles on "Dynamics 365 Business Central") the app was granted: the Admin Center API
 * answers 403 without `AdminCenter.ReadWrite.All`, the Automation API without `Automation.ReadWrite.All`.
 */
export const DEFAULT_BC_PERMISSIONS = ['AdminCenter.ReadWrite.All', 'Automation.ReadWrite.All'] as const;

export interface BcUserRecord {
    userSecurityId: string;
    userName: string;
    displayName: string;
    state: BcUserState;
    contactEmail: string;
    expiryDate: string;
    /** Bumped on every change; the `@odata.etag` is derived from it. */
    version: number;
}

export interface BcSessionRecord {
    environmentName: string;
    applicationFamily: string;
    sessionId: number;
    /** BC user name. */
    userId: string;
    clientType: string;
    /** Simulator time of log-on; rendered US-style by the Admin Center API. */
    logOnAt: number;
    entryPointOperation: string;
    entryPointObjectName: string;
    entryPointObjectId: string;
    entryPointObjectType: string;
    currentObjectName: string;
    currentObjectId: number;
    currentObjectType: string;
    currentOperationDuration: number;
}

/** An environment as the fixture describes it, with live users and sessions. */
export interface BcEnvironmentRecord extends Omit<FixtureEnvironment, 'users' | 'sessions'> {
    /** Simulator time it was soft-deleted, for `softDeletedOn`. */
    softDeletedAt?: number;
    users: BcUserRecord[];
    sessions: BcSessionRecord[];
}

/** A cancelled session whose user will press Refresh at `dueAt` (platform-facts §2). */
export interface PendingReconnect {
    environmentName: string;
    userId: string;
    clientType: string;
    dueAt: number;
}

const LONG_AGO = '2024-03-01T08:00:00Z';

/** Plausible entry points per client type; the docs give only field names and types. */
const ENTRY_POINTS: Record<
    string,
    Omit<BcSessionRecord, 'environmentName' | 'applicationFamily' | 'sessionId' | 'userId' | 'clientType' | 'logOnAt'>
> = {
    WebClient: {
        entryPointOperation: 'OpenPage',
        entryPointObjectName: 'Business Manager Role Center',
        entryPointObjectId: '9022',
        entryPointObjectType: 'Page',
        currentObjectName: 'Sales Order',
        currentObjectId: 42,
        currentObjectType: 'Page',
        currentOperationDuration: 1250,
    },
    WebServiceClient: {
        entryPointOperation: 'GET',
        entryPointObjectName: 'APIV2 - Customers',
        entryPointObjectId: '30009',
        entryPointObjectType: 'Page',
        currentObjectName: 'APIV2 - Customers',
        currentObjectId: 30009,
        currentObjectType: 'Page',
        currentOperationDuration: 310,
    },
    Background: {
        entryPointOperation: 'Run',
        entryPointObjectName: 'Job Queue Dispatcher',
        entryPointObjectId: '448',
        entryPointObjectType: 'CodeUnit',
        currentObjectName: 'Job Queue Dispatcher',
        currentObjectId: 448,
        currentObjectType: 'CodeUnit',
        currentOperationDuration: 60500,
    },
};

/** The live model of the tenant. Tests may read and change it directly between calls. */
export class TenantState {
    readonly tenantId: string;
    readonly tenantDomain: string;
    readonly clientId: string;
    /** Object id of the app's service principal in this tenant (what SERVICE_OBJECT_ID names). */
    readonly servicePrincipalId: string;
    clientSecret: string;
    /** Keyed by lower-case object id. */
    readonly users = new Map<string, EntraUserRecord>();
    readonly groups = new Map<string, GroupRecord>();
    readonly roleAssignments: RoleAssignmentRecord[] = [];
    /** Directory audit log, oldest first; an entry is listed only `auditLogDelayMs` after its change. */
    readonly directoryAudits: DirectoryAuditRecord[] = [];
    readonly graphPermissions = new Set<string>(DEFAULT_GRAPH_PERMISSIONS);
    readonly bcPermissions = new Set<string>(DEFAULT_BC_PERMISSIONS);
    /**
     * The app is on the admin center's "Authorized Microsoft Entra apps" page (platform-facts §2); false: every
     * Admin Center API call answers 403, whatever permissions the token carries.
     */
    adminCenterAuthorized = true;
    readonly environments: BcEnvironmentRecord[];
    readonly pendingReconnects: PendingReconnect[] = [];
    private nextSessionId = 1000;
    private nextVersion = 1;

    constructor(
        fixture: TenantFixture,
        private readonly clock: SimulatorClock,
    ) {
        this.tenantId = fixture.tenantId.toLowerCase();
        this.tenantDomain = fixture.tenantDomain;
        this.clientId = fixture.clientId.toLowerCase();
        this.servicePrincipalId = labelGuid(`service-principal:${this.clientId}`);
        this.clientSecret = fixture.clientSecret;
        for (const group of fixture.groups) this.groups.set(group.id.toLowerCase(), { ...group });
        for (const assignment of fixture.roleAssignments ?? [])
            this.assignRole(assignment.roleTemplateId, assignment.principalId);
        for (const user of fixture.users) {
            this.addUser({
                id: user.id,
                userPrincipalName: user.userPrincipalName,
                mail: user.mail,
                displayName: user.displayName,
                givenName: user.givenName ?? null,
                surname: user.surname ?? null,
                jobTitle: user.jobTitle ?? null,
                userType: user.userType,
                accountEnabled: user.accountEnabled,
                isAdminRole: user.isAdminRole ?? false,
                groupIds: (user.groupIds ?? []).map((id) => id.toLowerCase()),
                signInSessionsValidFromDateTime: user.signInSessionsValidFromDateTime ?? LONG_AGO,
            });
        }
        const start = clock.now();
        this.environments = fixture.environments.map((env) => {
            const record: BcEnvironmentRecord = {
                name: env.name,
                friendlyName: env.friendlyName,
                type: env.type,
                status: env.status,
                applicationFamily: env.applicationFamily,
                countryCode: env.countryCode,
                version: env.version,
                automationAuthorized: env.automationAuthorized,
                softDeletedAt: env.status === 'SoftDeleted' ? start - 5 * 24 * 3600_000 : undefined,
                companies: env.companies.map((company) => ({ ...company })),
                users: env.users.map((user) => ({
                    ...user,
                    expiryDate: user.expiryDate ?? '0001-01-01T00:00:00Z',
                    version: this.nextVersion++,
                })),
                sessions: [],
            };
            env.sessions.forEach((session, index) => {
                const logOnAt = session.logOnDate ? Date.parse(session.logOnDate) : start - (10 + 7 * index) * 60_000;
                this.newSession(record, session.userId, session.clientType, logOnAt, session.sessionId);
            });
            return record;
        });
    }

    addUser(user: EntraUserRecord): EntraUserRecord {
        const record = { ...user, id: user.id.toLowerCase() };
        this.users.set(record.id, record);
        return record;
    }

    /** By object id or UPN, both case-insensitive, as Graph resolves `/users/{id | userPrincipalName}`. */
    findUser(reference: string): EntraUserRecord | undefined {
        const key = reference.toLowerCase();
        const byId = this.users.get(key);
        if (byId) return byId;
        for (const user of this.users.values()) if (user.userPrincipalName.toLowerCase() === key) return user;
        return undefined;
    }

    /** This app as the directory audit log names it when it changes something. */
    appIdentity(): { appId: string; displayName: string; servicePrincipalId: string } {
        return { appId: this.clientId, displayName: 'bc-force-signout', servicePrincipalId: this.servicePrincipalId };
    }

    /** Assigns a directory role (active, tenant-wide) to a user or a role-assignable group. */
    assignRole(roleTemplateId: string, principalId: string): RoleAssignmentRecord {
        const assignment = {
            id: newRequestId(),
            roleDefinitionId: roleTemplateId.toLowerCase(),
            principalId: principalId.toLowerCase(),
            directoryScopeId: '/',
        };
        this.roleAssignments.push(assignment);
        return assignment;
    }

    /** Users that are transitive members of a group (from each user's `groupIds`). */
    groupMembers(groupId: string): EntraUserRecord[] {
        const id = groupId.toLowerCase();
        return [...this.users.values()].filter((user) => user.groupIds.includes(id));
    }

    /** Whether the user holds any directory role, directly or through a role-assignable group. */
    holdsDirectoryRole(user: EntraUserRecord): boolean {
        return this.roleAssignments.some(
            (assignment) => assignment.principalId === user.id || user.groupIds.includes(assignment.principalId),
        );
    }

    /** Writes what Entra's audit log records for a change of `accountEnabled`. */
    recordAccountEnabledChange(
        user: EntraUserRecord,
        oldValue: boolean,
        newValue: boolean,
        initiatedBy: AuditInitiator,
    ): DirectoryAuditRecord {
        const entry: DirectoryAuditRecord = {
            id: newRequestId(),
            at: this.clock.now(),
            activityDisplayName: newValue ? 'Enable account' : 'Disable account',
            initiatedBy,
            targetId: user.id,
            targetUserPrincipalName: user.userPrincipalName,
            oldValue,
            newValue,
        };
        this.directoryAudits.push(entry);
        return entry;
    }

    /** Environment names are matched case-insensitively; `family` narrows to one application family. */
    findEnvironment(name: string, family?: string): BcEnvironmentRecord | undefined {
        const wanted = name.toLowerCase();
        return this.environments.find(
            (env) =>
                env.name.toLowerCase() === wanted &&
                (family === undefined || env.applicationFamily.toLowerCase() === family.toLowerCase()),
        );
    }

    /** Like `findEnvironment` but throws: for tests and simulator helpers that name a fixture environment. */
    environment(name: string): BcEnvironmentRecord {
        const env = this.findEnvironment(name);
        if (!env) throw new Error(`The simulator has no environment "${name}"`);
        return env;
    }

    findBcUser(env: BcEnvironmentRecord, userName: string): BcUserRecord | undefined {
        const wanted = userName.toLowerCase();
        return env.users.find((user) => user.userName.toLowerCase() === wanted);
    }

    /** The Entra user a BC user belongs to: `contactEmail` equals the UPN or mail (case-insensitive). */
    linkedEntraUser(bcUser: BcUserRecord): EntraUserRecord | undefined {
        const email = bcUser.contactEmail.toLowerCase();
        if (!email) return undefined;
        for (const user of this.users.values()) {
            if (user.userPrincipalName.toLowerCase() === email || user.mail?.toLowerCase() === email) return user;
        }
        return undefined;
    }

    newSession(
        env: BcEnvironmentRecord,
        userId: string,
        clientType: string,
        logOnAt = this.clock.now(),
        sessionId?: number,
    ): BcSessionRecord {
        const id = sessionId ?? this.nextSessionId++;
        if (sessionId !== undefined) this.nextSessionId = Math.max(this.nextSessionId, sessionId + 1);
        const session: BcSessionRecord = {
            environmentName: env.name,
            applicationFamily: env.applicationFamily,
            sessionId: id,
            userId,
            clientType,
            logOnAt,
            ...(ENTRY_POINTS[clientType] ?? (ENTRY_POINTS.WebClient as (typeof ENTRY_POINTS)[string])),
        };
        env.sessions.push(session);
        return session;
    }

    /** Marks a BC user changed: a new version, so a new `@odata.etag`. */
    touch(user: BcUserRecord): void {
        user.version = this.nextVersion++;
    }
}
