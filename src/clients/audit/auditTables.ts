import type { TableClient } from '@azure/data-tables';
import { auditTableNames, type AuditTableNames } from './tableNames';
import { tableClientFor, type TableConnection } from './tableConnection';
import { storageCall } from './storageErrors';

export type AuditTables = Record<keyof AuditTableNames, TableClient>;

/** Clients for every table of the store, each created if missing (`createTable` is idempotent, platform-facts §7). */
export async function openAuditTables(connection: TableConnection, prefix: string): Promise<AuditTables> {
    const names = auditTableNames(prefix);
    const entries = (Object.keys(names) as (keyof AuditTableNames)[]).map(
        (table) => [table, tableClientFor(connection, names[table])] as const,
    );
    await Promise.all(
        entries.map(([, client]) => storageCall(`create table ${client.tableName}`, () => client.createTable())),
    );
    return Object.fromEntries(entries) as AuditTables;
}
