import { labelGuid } from './random';

/** The initial content of a simulated tenant: plain data, copied into a live `TenantState` at start. */
export interface TenantFixture {
    /** Entra tenant id (GUID); the token endpoint also accepts `tenantDomain` in its path. */
    tenantId: string;
    tenantDomain: string;
    /** The app registration the token endpoint accepts (client-credentials flow). */
    clientId: string;
    clientSecret: string;
    users: FixtureUser[];
    groups: FixtureGroup[];
    /** Active directory role assignments (platform-facts §10); none when absent. */
    roleAssignments?: FixtureRoleAssignment[];
    environments: FixtureEnvironment[];
}

/** An active assignment of a built-in directory role (by template id) to a user or a role-assignable group. */
export interface FixtureRoleAssignment {
    roleTemplateId: string;
    principalId: string;
}

export type UserType = 'Member' | 'Guest';

export interface FixtureUser {
    id: string;
    userPrincipalName: string;
    mail: string | null;
    displayName: string;
    givenName?: string;
    surname?: string;
    jobTitle?: string;
    userType: UserType;
    accountEnabled: boolean;
    /** Holds an Entra admin role: PATCH `accountEnabled` answers 403 `Authorization_RequestDenied` (platform-facts §1). */
    isAdminRole?: boolean;
    /** Groups the user is a transitive member of (what `checkMemberGroups` answers from). */
    groupIds?: string[];
    /** ISO time; defaults to a date long before the simulator starts. */
    signInSessionsValidFromDateTime?: string;
}

export interface FixtureGroup {
    id: string;
    displayName: string;
    /** A role-assignable group: directory roles may be assigned to it (platform-facts §10). */
    isAssignableToRole?: boolean;
}

export type EnvironmentType = 'Production' | 'Sandbox';

/** Documented statuses (platform-facts §2); only `Active` environments have sessions. */
export type EnvironmentStatus =
    | 'NotReady'
    | 'Removing'
    | 'Preparing'
    | 'Active'
    | 'Upgrading'
    | 'CreatingFailed'
    | 'RemovingFailed'
    | 'SoftDeleting'
    | 'SoftDeletingFailed'
    | 'SoftDeleted'
    | 'Recovering'
    | 'RecoveringFailed';

export interface FixtureEnvironment {
    name: string;
    friendlyName: string;
    type: EnvironmentType;
    status: EnvironmentStatus;
    /** Usually `BusinessCentral`. */
    applicationFamily: string;
    countryCode: string;
    /** e.g. `26.3`. */
    version: string;
    /** False: the app is not registered inside the environment, so every Automation API call answers 401. */
    automationAuthorized: boolean;
    companies: FixtureCompany[];
    users: FixtureBcUser[];
    sessions: FixtureSession[];
}

export interface FixtureCompany {
    id: string;
    name: string;
    displayName: string;
}

export type BcUserState = 'Enabled' | 'Disabled';

export interface FixtureBcUser {
    userSecurityId: string;
    /** BC's user name, e.g. `JOE`: what a session's `userId` carries. */
    userName: string;
    displayName: string;
    state: BcUserState;
    /** Links the BC user to an Entra user when it equals the UPN or mail (case-insensitive). */
    contactEmail: string;
    /** `0001-01-01T00:00:00Z` is BC's "no expiry" (doc example). */
    expiryDate?: string;
}

export interface FixtureSession {
    /** Assigned by the simulator when absent. */
    sessionId?: number;
    /** BC user name. */
    userId: string;
    /** `WebClient`, `WebServiceClient`, `Background`, `ChildSession`, ... */
    clientType: string;
    /** ISO time; defaults to some minutes before the simulator starts. */
    logOnDate?: string;
}

const TENANT_ID = '7d3f1c9a-4b2e-4c8d-9f61-2a5b8c0e4d17';
const FAMILY = 'BusinessCentral';

const envNames = {
    production: 'PRODUCTION',
    sandbox: 'SANDBOX',
    uat: 'UAT',
    oldSandbox: 'OLD-SANDBOX',
} as const;

const companyId = (environment: string, company: string) => labelGuid(`company:${environment}:${company}`);
const bcUserId = (environment: string, userName: string) => labelGuid(`bcuser:${environment}:${userName}`);

/** Ids and names of `defaultFixture()`, for tests to refer to. */
export const FIXTURE = {
    tenantId: TENANT_ID,
    tenantDomain: 'contoso.onmicrosoft.com',
    clientId: 'a1c5e7f9-2b4d-4f60-8a2c-3e5f7a9b1d20',
    /** A made-up test value, fine to print. */
    clientSecret: 'sim~TestOnly~NotARealSecret~0000',
    applicationFamily: FAMILY,
    groups: {
        protectedAdmins: { id: 'e4b1c7d2-0a3f-4e59-8b6c-1d2e3f405162', displayName: 'BC Protected Admins' },
        /** Nested in `protectedAdmins`, so its members are transitive members of that group. */
        superUsers: { id: 'e4b1c7d2-0a3f-4e59-8b6c-1d2e3f405163', displayName: 'BC Super Users' },
        allStaff: { id: 'e4b1c7d2-0a3f-4e59-8b6c-1d2e3f405164', displayName: 'All Staff' },
        /** Role-assignable; holds User Administrator, so its members hold it too. */
        identityAdmins: {
            id: 'e4b1c7d2-0a3f-4e59-8b6c-1d2e3f405165',
            displayName: 'Identity Admins',
            isAssignableToRole: true,
        },
    },
    /** Built-in directory role template ids (platform-facts §10). */
    roles: {
        globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
        userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
        /** Not on Microsoft's privileged list. */
        businessCentralAdministrator: '963797fb-eb3b-4cde-8ce3-5878b3f32a3f',
    },
    users: {
        /** Member with two sessions in each of PRODUCTION, SANDBOX and UAT. */
        alice: {
            id: '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e01',
            userPrincipalName: 'alice@contoso.com',
            mail: 'alice@contoso.com',
            bcUserName: 'ALICE',
        },
        /** B2B guest: revocation answers success but is not effective (platform-facts §1). */
        bob: {
            id: '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e02',
            userPrincipalName: 'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com',
            mail: 'bob@fabrikam.com',
            bcUserName: 'BOB',
        },
        /** Break-glass account with an admin role: blocking sign-in answers 403. */
        breakglass: {
            id: '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e03',
            userPrincipalName: 'breakglass@contoso.onmicrosoft.com',
            mail: null,
            bcUserName: 'BREAKGLASS',
        },
        /** Transitive member of "BC Protected Admins" (through "BC Super Users"). */
        carol: {
            id: '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e04',
            userPrincipalName: 'carol@contoso.com',
            mail: 'carol@contoso.com',
            bcUserName: 'CAROL',
        },
        /** UPN with `'` and `+`: clients must encode it in a path. */
        dan: {
            id: '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e05',
            userPrincipalName: "dan.o'neil+bc@contoso.com",
            mail: "dan.o'neil@contoso.com",
            bcUserName: 'DAN',
        },
        /** Heavy user: six sessions in PRODUCTION, two in SANDBOX. */
        hank: {
            id: '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e06',
            userPrincipalName: 'hank@contoso.com',
            mail: 'hank@contoso.com',
            bcUserName: 'HANK',
        },
        /** Member without any Business Central user. */
        erin: {
            id: '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e07',
            userPrincipalName: 'erin@contoso.com',
            mail: 'erin@contoso.com',
            bcUserName: undefined,
        },
        /** Holds User Administrator through the role-assignable group "Identity Admins"; on no protected list. */
        ivan: {
            id: '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e08',
            userPrincipalName: 'ivan@contoso.com',
            mail: 'ivan@contoso.com',
            bcUserName: 'IVAN',
        },
        /** Holds Dynamics 365 Business Central Administrator, which is not a privileged role. */
        gwen: {
            id: '3f9a2c41-6d7e-4b8a-9c10-1a2b3c4d5e09',
            userPrincipalName: 'gwen@contoso.com',
            mail: 'gwen@contoso.com',
            bcUserName: 'GWEN',
        },
    },
    /** A BC-only service user with no Entra counterpart (its session matches nobody). */
    serviceBcUserName: 'SVC-INTEGRATION',
    environments: envNames,
    /** The CRONUS company of each environment. */
    companies: {
        [envNames.production]: companyId(envNames.production, 'CRONUS USA, Inc.'),
        [envNames.sandbox]: companyId(envNames.sandbox, 'CRONUS USA, Inc.'),
        [envNames.uat]: companyId(envNames.uat, 'CRONUS USA, Inc.'),
        [envNames.oldSandbox]: companyId(envNames.oldSandbox, 'CRONUS USA, Inc.'),
    },
    /** `userSecurityId` of a BC user in an environment. */
    bcUserId,
} as const;

type FixtureUserKey = keyof typeof FIXTURE.users;

function entraUser(
    key: FixtureUserKey,
    displayName: string,
    extra: Partial<FixtureUser> & Pick<FixtureUser, 'userType'>,
): FixtureUser {
    const known = FIXTURE.users[key];
    const [givenName, ...rest] = displayName.split(' ');
    return {
        id: known.id,
        userPrincipalName: known.userPrincipalName,
        mail: known.mail,
        displayName,
        givenName,
        surname: rest.join(' ') || undefined,
        accountEnabled: true,
        ...extra,
    };
}

function bcUser(environment: string, userName: string, displayName: string, contactEmail: string): FixtureBcUser {
    return {
        userSecurityId: bcUserId(environment, userName),
        userName,
        displayName,
        state: 'Enabled',
        contactEmail,
        expiryDate: '0001-01-01T00:00:00Z',
    };
}

function sessions(userId: string, ...clientTypes: string[]): FixtureSession[] {
    return clientTypes.map((clientType) => ({ userId, clientType }));
}

function cronus(environment: string): FixtureCompany[] {
    return [
        { id: companyId(environment, 'CRONUS USA, Inc.'), name: 'CRONUS USA, Inc.', displayName: 'CRONUS USA, Inc.' },
        { id: companyId(environment, 'My Company'), name: 'My Company', displayName: 'My Company' },
    ];
}

/** A realistic small tenant; see `FIXTURE` for its ids. */
export function defaultFixture(): TenantFixture {
    const { alice, bob, breakglass, carol, dan, hank, ivan, gwen } = FIXTURE.users;
    const { production, sandbox, uat, oldSandbox } = envNames;
    const { protectedAdmins, superUsers, allStaff, identityAdmins } = FIXTURE.groups;
    const { globalAdministrator, userAdministrator, businessCentralAdministrator } = FIXTURE.roles;
    const prodUsers = [
        bcUser(production, alice.bcUserName, 'Alice Adams', alice.userPrincipalName),
        bcUser(production, bob.bcUserName, 'Bob Baker (Fabrikam)', bob.mail),
        bcUser(production, breakglass.bcUserName, 'Break Glass', breakglass.userPrincipalName),
        bcUser(production, carol.bcUserName, 'Carol Chen', carol.userPrincipalName),
        bcUser(production, dan.bcUserName, "Dan O'Neil", dan.userPrincipalName),
        bcUser(production, hank.bcUserName, 'Hank Heavy', hank.userPrincipalName),
        bcUser(production, ivan.bcUserName, 'Ivan Iverson', ivan.userPrincipalName),
        bcUser(production, gwen.bcUserName, 'Gwen Green', gwen.userPrincipalName),
        bcUser(production, FIXTURE.serviceBcUserName, 'Integration service', ''),
    ];
    return {
        tenantId: FIXTURE.tenantId,
        tenantDomain: FIXTURE.tenantDomain,
        clientId: FIXTURE.clientId,
        clientSecret: FIXTURE.clientSecret,
        groups: Object.values(FIXTURE.groups).map((group) => ({ ...group })),
        users: [
            entraUser('alice', 'Alice Adams', { userType: 'Member', jobTitle: 'Accountant', groupIds: [allStaff.id] }),
            entraUser('bob', 'Bob Baker (Fabrikam)', { userType: 'Guest' }),
            entraUser('breakglass', 'Break Glass', { userType: 'Member', isAdminRole: true }),
            entraUser('carol', 'Carol Chen', {
                userType: 'Member',
                jobTitle: 'Finance Director',
                groupIds: [superUsers.id, protectedAdmins.id, allStaff.id],
            }),
            entraUser('dan', "Dan O'Neil", { userType: 'Member', groupIds: [allStaff.id] }),
            entraUser('hank', 'Hank Heavy', {
                userType: 'Member',
                jobTitle: 'Warehouse Lead',
                groupIds: [allStaff.id],
            }),
            entraUser('erin', 'Erin Evans', { userType: 'Member', groupIds: [allStaff.id] }),
            entraUser('ivan', 'Ivan Iverson', { userType: 'Member', groupIds: [identityAdmins.id, allStaff.id] }),
            entraUser('gwen', 'Gwen Green', { userType: 'Member', groupIds: [allStaff.id] }),
        ],
        roleAssignments: [
            { roleTemplateId: globalAdministrator, principalId: breakglass.id },
            { roleTemplateId: userAdministrator, principalId: identityAdmins.id },
            { roleTemplateId: businessCentralAdministrator, principalId: gwen.id },
        ],
        environments: [
            {
                name: production,
                friendlyName: 'Production',
                type: 'Production',
                status: 'Active',
                applicationFamily: FAMILY,
                countryCode: 'US',
                version: '26.3',
                automationAuthorized: true,
                companies: cronus(production),
                users: prodUsers,
                sessions: [
                    ...sessions(alice.bcUserName, 'WebClient', 'WebClient'),
                    ...sessions(bob.bcUserName, 'WebClient'),
                    ...sessions(breakglass.bcUserName, 'WebClient'),
                    ...sessions(carol.bcUserName, 'WebClient'),
                    ...sessions(dan.bcUserName, 'WebClient'),
                    ...sessions(hank.bcUserName, 'WebClient', 'WebClient', 'WebClient', 'WebClient'),
                    ...sessions(hank.bcUserName, 'WebServiceClient', 'Background'),
                    ...sessions(FIXTURE.serviceBcUserName, 'WebServiceClient'),
                ],
            },
            {
                name: sandbox,
                friendlyName: 'Sandbox',
                type: 'Sandbox',
                status: 'Active',
                applicationFamily: FAMILY,
                countryCode: 'US',
                version: '27.0',
                automationAuthorized: true,
                companies: cronus(sandbox),
                users: [
                    bcUser(sandbox, alice.bcUserName, 'Alice Adams', alice.userPrincipalName),
                    bcUser(sandbox, dan.bcUserName, "Dan O'Neil", dan.userPrincipalName),
                    bcUser(sandbox, hank.bcUserName, 'Hank Heavy', hank.userPrincipalName),
                ],
                sessions: [
                    ...sessions(alice.bcUserName, 'WebClient', 'WebClient'),
                    ...sessions(dan.bcUserName, 'WebClient'),
                    ...sessions(hank.bcUserName, 'WebClient', 'WebClient'),
                ],
            },
            {
                // The app was never registered inside UAT: Automation API calls answer 401 here.
                name: uat,
                friendlyName: 'User acceptance test',
                type: 'Sandbox',
                status: 'Active',
                applicationFamily: FAMILY,
                countryCode: 'US',
                version: '26.3',
                automationAuthorized: false,
                companies: cronus(uat),
                users: [bcUser(uat, alice.bcUserName, 'Alice Adams', alice.userPrincipalName)],
                sessions: sessions(alice.bcUserName, 'WebClient', 'WebClient'),
            },
            {
                name: oldSandbox,
                friendlyName: 'Old sandbox',
                type: 'Sandbox',
                status: 'SoftDeleted',
                applicationFamily: FAMILY,
                countryCode: 'US',
                version: '25.5',
                automationAuthorized: true,
                companies: cronus(oldSandbox),
                users: [bcUser(oldSandbox, alice.bcUserName, 'Alice Adams', alice.userPrincipalName)],
                sessions: [],
            },
        ],
    };
}

const counterGuid = (kind: number, n: number) =>
    `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** Name of the n-th (1-based) user of `bulkFixture`. */
export const bulkUserName = (n: number): string => `USER${String(n).padStart(5, '0')}`;
export const bulkUserPrincipalName = (n: number): string => `user${String(n).padStart(5, '0')}@bulk.contoso.com`;
export const bulkUserId = (n: number): string => counterGuid(0xb0, n);

/**
 * A large tenant for load tests: `userCount` members, each with a BC user and `sessionsPerUser` WebClient sessions in
 * every environment (PRODUCTION, SANDBOX, UAT, then ENV-4, ...). Ids come from counters, so it builds fast.
 */
export function bulkFixture(userCount: number, environments = 3, sessionsPerUser = 2): TenantFixture {
    const names = ['PRODUCTION', 'SANDBOX', 'UAT'];
    const envs: FixtureEnvironment[] = [];
    for (let e = 0; e < environments; e++) {
        const name = names[e] ?? `ENV-${e + 1}`;
        const users: FixtureBcUser[] = [];
        const envSessions: FixtureSession[] = [];
        for (let n = 1; n <= userCount; n++) {
            const userName = bulkUserName(n);
            users.push({
                userSecurityId: counterGuid(0xc0 + e, n),
                userName,
                displayName: `Bulk User ${n}`,
                state: 'Enabled',
                contactEmail: bulkUserPrincipalName(n),
                expiryDate: '0001-01-01T00:00:00Z',
            });
            for (let s = 0; s < sessionsPerUser; s++) envSessions.push({ userId: userName, clientType: 'WebClient' });
        }
        envs.push({
            name,
            friendlyName: name,
            type: e === 0 ? 'Production' : 'Sandbox',
            status: 'Active',
            applicationFamily: FAMILY,
            countryCode: 'US',
            version: '26.3',
            automationAuthorized: true,
            companies: [{ id: counterGuid(0xa0, e + 1), name: 'CRONUS USA, Inc.', displayName: 'CRONUS USA, Inc.' }],
            users,
            sessions: envSessions,
        });
    }
    const users: FixtureUser[] = [];
    for (let n = 1; n <= userCount; n++) {
        users.push({
            id: bulkUserId(n),
            userPrincipalName: bulkUserPrincipalName(n),
            mail: bulkUserPrincipalName(n),
            displayName: `Bulk User ${n}`,
            userType: 'Member',
            accountEnabled: true,
        });
    }
    // The break-glass account of every tenant, so the default protected list resolves here too.
    const { breakglass } = FIXTURE.users;
    users.push({
        id: breakglass.id,
        userPrincipalName: breakglass.userPrincipalName,
        mail: breakglass.mail,
        displayName: 'Break Glass',
        userType: 'Member',
        accountEnabled: true,
        isAdminRole: true,
    });
    return {
        tenantId: FIXTURE.tenantId,
        tenantDomain: FIXTURE.tenantDomain,
        clientId: FIXTURE.clientId,
        clientSecret: FIXTURE.clientSecret,
        users,
        groups: [{ ...FIXTURE.groups.protectedAdmins }],
        roleAssignments: [{ roleTemplateId: FIXTURE.roles.globalAdministrator, principalId: breakglass.id }],
        environments: envs,
    };
}
