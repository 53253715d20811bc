import { acquireToken } from '../src/clients/identity/acquireToken';
import { createCredential, scopeFor } from '../src/clients/identity/createCredential';
import { readConfig } from '../src/config';
import { bulkFixture, bulkUserName, bulkUserPrincipalName, startSimulator } from '../test/simulator';
import type { BulkShape } from './cliSignOut';
import { tallyByService, type ServiceTally } from './callAnalysis';

export interface BaselineResult {
    shape: BulkShape;
    /** Users actually run; the rest is extrapolated linearly. */
    sampleUsers: number;
    sampleWallInMs: number;
    /** Listing the environments once, then (sampleWallInMs - that) × users / sampleUsers. */
    estimatedWallInMs: number;
    extrapolated: boolean;
    services: Record<string, ServiceTally>;
    sessionsCancelled: number;
}

interface Session {
    sessionId: number;
    userId: string;
}

/**
 * Scenario 3, how playbooks do it today: user after user, GET the user, POST revokeSignInSessions (no `$batch`),
 * then per environment list the sessions and DELETE that user's, one call at a time, through plain `fetch` with a
 * token from the same credential against the same simulator. The playbook is given each BC user name (in favour of
 * the baseline: no Automation API lookups) and lists the environments once.
 */
export async function runBaseline(shape: BulkShape, sampleUsers: number, latencyInMs: number): Promise<BaselineResult> {
    const simulator = await startSimulator({
        fixture: bulkFixture(shape.users, shape.environments, shape.sessionsPerUser),
        latencyMs: latencyInMs,
        reconnectDelayMs: 3_600_000,
    });
    try {
        const config = readConfig({ ...simulator.settings(), AzureWebJobsStorage: 'UseDevelopmentStorage=true' });
        const credential = createCredential(config.identity);
        const graphScope = scopeFor(config.graphEndpoint);
        const bcScope = scopeFor(config.bcEndpoint);
        const call = async (scope: string, method: string, url: string): Promise<unknown> => {
            const response = await fetch(url, {
                method,
                headers: {
                    authorization: `Bearer ${await acquireToken(credential, scope)}`,
                    ...(method === 'POST' && { 'content-type': 'application/json' }),
                },
            });
            if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}`);
            const text = await response.text();
            return text ? (JSON.parse(text) as unknown) : undefined;
        };
        const admin = `${config.bcEndpoint}/admin/${config.bcAdminApiVersion}/applications/BusinessCentral`;
        const graph = `${config.graphEndpoint}/v1.0`;

        const started = performance.now();
        const environments = ((await call(bcScope, 'GET', `${admin}/environments`)) as { value: { name: string }[] })
            .value;
        const setupInMs = performance.now() - started;
        let sessionsCancelled = 0;
        for (let n = 1; n <= sampleUsers; n++) {
            const user = (await call(
                graphScope,
                'GET',
                `${graph}/users/${encodeURIComponent(bulkUserPrincipalName(n))}?$select=id,userPrincipalName`,
            )) as { id: string };
            await call(graphScope, 'POST', `${graph}/users/${user.id}/revokeSignInSessions`);
            for (const { name } of environments) {
                const sessions = (await call(bcScope, 'GET', `${admin}/environments/${name}/sessions`)) as {
                    value: Session[];
                };
                for (const session of sessions.value.filter((s) => s.userId === bulkUserName(n))) {
                    await call(bcScope, 'DELETE', `${admin}/environments/${name}/sessions/${session.sessionId}`);
                    sessionsCancelled++;
                }
            }
        }
        const sampleWallInMs = performance.now() - started;
        return {
            shape,
            sampleUsers,
            sampleWallInMs,
            estimatedWallInMs: setupInMs + ((sampleWallInMs - setupInMs) * shape.users) / sampleUsers,
            extrapolated: sampleUsers < shape.users,
            services: tallyByService(simulator.calls, latencyInMs),
            sessionsCancelled,
        };
    } finally {
        await simulator.close();
    }
}
