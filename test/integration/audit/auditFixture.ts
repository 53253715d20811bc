import { TableClient } from '@azure/data-tables';
import { randomBytes } from 'node:crypto';
import type { NewRequestRecord } from '../../../src/core/ports/auditStore';
import type { SignOutRequest } from '../../../src/core/request/signOutRequest';
import type { SignOutResult, UserResult } from '../../../src/core/result';
import { TableAuditStore } from '../../../src/clients/audit/tableAuditStore';

export const TENANT = '11111111-2222-3333-4444-555555555555';

/** Table names start with a letter; each test file gets its own tables in the shared Azurite. */
export function uniquePrefix(): string {
    return `t${randomBytes(4).toString('hex')}`;
}

export function azuriteConnectionString(): string {
    const connectionString = process.env.AZURITE_CONNECTION_STRING;
    if (!connectionString) throw new Error('AZURITE_CONNECTION_STRING is not set: run through jest (globalSetup)');
    return connectionString;
}

export async function openStore(
    tablePrefix: string,
    clock?: () => Date,
    signingKey?: string,
): Promise<TableAuditStore> {
    return TableAuditStore.create({
        connection: { connectionString: azuriteConnectionString() },
        tablePrefix,
        ...(clock && { clock }),
        ...(signingKey && { signingKey }),
    });
}

/** Direct access to one table, to tamper with or inspect what the store wrote. */
export function rawTable(tableName: string): TableClient {
    return TableClient.fromConnectionString(azuriteConnectionString(), tableName, { allowInsecureConnection: true });
}

export function signOutRequest(
    requestId: string,
    users: string[],
    overrides: Partial<SignOutRequest> = {},
): SignOutRequest {
    return {
        schemaVersion: 1,
        requestId,
        tenantId: TENANT,
        users,
        environments: ['Production'],
        applicationFamily: 'BusinessCentral',
        actions: {
            revokeSessions: true,
            cancelBcSessions: true,
            blockSignIn: { kind: 'off' },
            disableBcUser: { kind: 'off' },
        },
        watchMinutes: 90,
        reason: 'Leaver',
        dryRun: false,
        submittedAt: '2024-05-01T10:00:00.000Z',
        ...overrides,
    };
}

export function newRecord(
    requestId: string,
    createdAt = '2024-05-01T10:00:00.000Z',
    overrides: Partial<NewRequestRecord> = {},
): NewRequestRecord {
    const users = ['alice@contoso.com'];
    return {
        requestId,
        tenantId: TENANT,
        state: 'accepted',
        source: 'http',
        caller: { kind: 'function-key', id: 'itsm-connector', verified: false },
        request: signOutRequest(requestId, users, { submittedAt: createdAt }),
        reason: 'Leaver',
        ticketNumber: 'INC0012345',
        userCount: users.length,
        createdAt,
        ...overrides,
    };
}

export function userResult(user: string, environments: number): UserResult {
    return {
        user,
        outcome: 'processed',
        objectId: '9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0',
        userPrincipalName: user,
        systems: Array.from({ length: environments }, (_, index) => ({
            system: `bc.env${index}.sessions`,
            status: 'succeeded' as const,
            at: '2024-05-01T10:00:05.000Z',
            counts: { found: 2, cancelled: 2, alreadyGone: 0, residual: 0 },
            detail: `Cancelled 2 sessions of ${user} in env${index}`,
        })),
    };
}

export function signOutResult(
    requestId: string,
    users: UserResult[],
    status: SignOutResult['status'] = 'completed',
): SignOutResult {
    return {
        requestId,
        status,
        dryRun: false,
        startedAt: '2024-05-01T10:00:01.000Z',
        finishedAt: '2024-05-01T10:00:09.000Z',
        users,
        environments: [{ name: 'Production', status: 'succeeded' }],
        residualRisk: { revokedAt: '2024-05-01T10:00:02.000Z', notes: ['Access tokens stay valid up to 1 hour.'] },
    };
}
