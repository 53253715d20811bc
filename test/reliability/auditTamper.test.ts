import { TableClient } from '@azure/data-tables';
import { requestKeyOf, sequenceRowKey } from '../../src/clients/audit/keys';
import { RECORD_ROW_KEY } from '../../src/clients/audit/requestEntity';
import { main } from '../../src/cli/main';
import { createServiceDependencies } from '../../src/composition/serviceDependencies';
import { readConfig } from '../../src/config';
import type { ServiceDependencies } from '../../src/core/service/serviceDependencies';
import { acceptRequest } from '../../src/core/service/acceptRequest';
import { processRequest } from '../../src/core/service/processRequest';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { rewriteTrail } from '../support/auditTamper';
import { memoryIo } from '../unit/cli/memoryIo';
import { SuiteFigures } from './support/figures';
import { duplicateChanges, faultedCalls } from './support/simulatorEvidence';

/**
 * Someone with write access to the audit tables edits what happened after the fact. Real requests, run the way the
 * queue worker runs them, are tampered with in the table, and `bc-signout verify-audit` must say so: a deleted final
 * event, edited record fields, and a record and chain rewritten consistently, in a deployment with and without
 * `AUDIT_SIGNING_KEY`. What the unkeyed chain cannot see is shown too, as docs/audit.md says.
 */
const { alice, bob, dan, erin, hank } = FIXTURE.users;
const SIGNING_KEY = 'reliability-audit-signing-key-0123456789abcdef';
let harness: AppHarness;
let plainDeps: ServiceDependencies;
let keyedDeps: ServiceDependencies;
const figures = new SuiteFigures('audit tampering');

beforeAll(async () => {
    harness = await startAppHarness({ simulator: { reconnectDelayMs: 3_600_000 } });
    [plainDeps, keyedDeps] = await Promise.all([
        createServiceDependencies(readConfig(harness.settings)),
        createServiceDependencies(readConfig({ ...harness.settings, AUDIT_SIGNING_KEY: SIGNING_KEY })),
    ]);
});

afterAll(async () => {
    figures.faultsInjected = faultedCalls(harness.simulator.calls);
    figures.duplicatesExecuted = duplicateChanges(harness.simulator.calls);
    figures.print();
    await harness.close();
});

const table = (name: string) =>
    TableClient.fromConnectionString(harness.connectionString, `${harness.tablePrefix}${name}`, {
        allowInsecureConnection: true,
    });

/** A request signed out for real (one user each, so no change is made twice), finished and sealed. */
async function finishedRequest(
    requestId: string,
    user: { userPrincipalName: string },
    deps: ServiceDependencies,
): Promise<void> {
    const accepted = await acceptRequest(
        {
            requestId,
            users: [user.userPrincipalName],
            environments: ['SANDBOX'],
            reason: 'reliability: tamper',
            watchMinutes: 0,
        },
        { kind: 'function-key', id: 'itsm-connector', verified: false },
        deps,
    );
    expect(accepted.kind).toBe('accepted');
    const outcome = await processRequest(requestId, { dequeueCount: 1, owner: `worker-${requestId}` }, deps);
    expect(outcome).toMatchObject({ kind: 'finished' });
    figures.requests++;
}

/** `bc-signout verify-audit <id>` as an admin runs it, with or without the signing key in its environment. */
async function verifyAudit(requestId: string, keyed: boolean) {
    const env = { ...harness.settings, ...(keyed && { AUDIT_SIGNING_KEY: SIGNING_KEY }) };
    const io = memoryIo({ env });
    const code = await main(['verify-audit', requestId], io);
    return { code, stdout: io.out() };
}

it('finds the final event deleted', async () => {
    await finishedRequest('TAMPER-TAIL', alice, plainDeps);
    const events = await plainDeps.audit.listEvents('TAMPER-TAIL');
    expect(events.slice(-2).map((e) => e.type)).toEqual(['request-finished', 'record-sealed']);
    expect((await verifyAudit('TAMPER-TAIL', false)).code).toBe(0);
    await table('Events').deleteEntity(requestKeyOf('TAMPER-TAIL'), sequenceRowKey(events.length));
    const verified = await verifyAudit('TAMPER-TAIL', false);
    expect(verified.code).toBe(3);
    expect(verified.stdout).toContain(`event #${events.length}: gap in sequence`);
});

it('finds record fields a reader relies on edited: state, caller, reason', async () => {
    await finishedRequest('TAMPER-RECORD', dan, plainDeps);
    await table('Requests').updateEntity(
        {
            partitionKey: requestKeyOf('TAMPER-RECORD'),
            rowKey: RECORD_ROW_KEY,
            state: 'failed',
            callerId: 'someone-else',
            reason: 'Routine check',
        },
        'Merge',
    );
    const sealedState = (await plainDeps.audit.listEvents('TAMPER-RECORD')).at(-1)?.status;
    const verified = await verifyAudit('TAMPER-RECORD', false);
    expect(verified.code).toBe(3);
    expect(verified.stdout).toContain(`state is "failed", sealed as "${sealedState}"`);
});

it('finds a record and chain rewritten without the key in a keyed deployment', async () => {
    await finishedRequest('TAMPER-KEYED', hank, keyedDeps);
    expect((await verifyAudit('TAMPER-KEYED', true)).stdout).toContain('every event keyed');
    // The forger recomputes every link with a key of their own, keeping the chain keyed in appearance.
    await rewriteTrail(harness.connectionString, harness.tablePrefix, plainDeps.audit, 'TAMPER-KEYED', {
        record: { state: 'failed', callerId: 'someone-else' },
        key: 'a-forger-s-own-key-which-is-not-the-deployment-key',
    });
    const forged = await verifyAudit('TAMPER-KEYED', true);
    expect(forged.code).toBe(3);
    expect(forged.stdout).toContain('cannot verify: signed with key');

    // Rewriting only the tail, unkeyed, after the keyed events it keeps.
    await finishedRequest('TAMPER-KEYED-TAIL', erin, keyedDeps);
    const length = (await keyedDeps.audit.listEvents('TAMPER-KEYED-TAIL')).length;
    await rewriteTrail(harness.connectionString, harness.tablePrefix, plainDeps.audit, 'TAMPER-KEYED-TAIL', {
        record: { state: 'failed' },
        from: length,
    });
    const tail = await verifyAudit('TAMPER-KEYED-TAIL', true);
    expect(tail.code).toBe(3);
    expect(tail.stdout).toContain('not keyed, although event 1 before it is');
});

it('cannot find a consistent rewrite of an unkeyed trail, and says the trail is not keyed', async () => {
    await finishedRequest('TAMPER-PLAIN', bob, plainDeps);
    await rewriteTrail(harness.connectionString, harness.tablePrefix, plainDeps.audit, 'TAMPER-PLAIN', {
        record: { state: 'failed', callerId: 'someone-else' },
    });
    const verified = await verifyAudit('TAMPER-PLAIN', false);
    // The documented limit of the plain chain: intact, and said to be unkeyed (docs/audit.md, "What each mode proves").
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('not keyed (SHA-256 only');
    figures.note('consistent unkeyed rewrites not detectable (documented)', 1);
});
