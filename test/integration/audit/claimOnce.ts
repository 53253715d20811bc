/**
 * Run as a separate process by claimAndLease.test.ts (`tsx claimOnce.ts <prefix> <requestId> <createdAt>`):
 * claims one request and prints whether this process won.
 */
import { TableAuditStore } from '../../../src/clients/audit/tableAuditStore';
import { newRecord } from './auditFixture';

async function main(): Promise<void> {
    const [tablePrefix, requestId, createdAt] = process.argv.slice(2);
    const connectionString = process.env.AZURITE_CONNECTION_STRING;
    if (!tablePrefix || !requestId || !createdAt || !connectionString)
        throw new Error('usage: claimOnce <prefix> <id> <createdAt>');
    const store = await TableAuditStore.create({ connection: { connectionString }, tablePrefix });
    const outcome = await store.claimRequest(
        newRecord(requestId, createdAt, { caller: { kind: 'cli', id: `pid-${process.pid}`, verified: false } }),
    );
    process.stdout.write(JSON.stringify({ claimed: outcome.claimed }));
}

main().catch((error: unknown) => {
    process.stderr.write(String(error));
    process.exit(1);
});
