import { guardConfiguration, serviceSettings } from '../src/composition/serviceDependencies';
import { buildProtectedSet } from '../src/core/guard/buildProtectedSet';
import { tenantServicesFactory } from '../src/composition/tenantServices';
import { readConfig } from '../src/config';
import { runSignOut } from '../src/core/engine/signOutEngine';
import { parseSignOutRequest } from '../src/core/request/signOutRequest';
import { bulkFixture, bulkUserPrincipalName, FIXTURE, startSimulator } from '../test/simulator';
import { MemoryHolds, MemoryJournal } from '../test/support/fakeTenant';
import { tallyByService, type ServiceTally } from './callAnalysis';
import { sampleRss } from './memory';
import { GRAPH_WRITE_QUOTA } from './quota';

export interface BulkShape {
    users: number;
    environments: number;
    sessionsPerUser: number;
}

export interface BulkResult {
    shape: BulkShape;
    status: string;
    wallInMs: number;
    services: Record<string, ServiceTally>;
    retriesAfter429: number;
    peakRssInBytes: number;
    usersRevoked: number;
    sessionsLeft: number;
    settings: { graphResourceUnits: number; bcConcurrency: number; maxUsersPerRequest: number; timeoutInMs: number };
}

/** Reconnects are the sweep's business; an hour keeps them out of a throughput measure. */
const NO_RECONNECT_DURING_RUN_MS = 3_600_000;

/**
 * Scenario 2: the engine itself (`runSignOut`) with the real adapters from `tenantServicesFactory` (credential,
 * Graph client, BC clients) and an in-memory journal, so storage is not part of the figure. Defaults for
 * GRAPH_BATCHES_IN_FLIGHT and BC_CONCURRENCY; MAX_USERS_PER_REQUEST raised to fit the request.
 */
export async function runBulkSignOut(shape: BulkShape, latencyInMs: number): Promise<BulkResult> {
    const simulator = await startSimulator({
        fixture: bulkFixture(shape.users, shape.environments, shape.sessionsPerUser),
        latencyMs: latencyInMs,
        graphWriteQuota: GRAPH_WRITE_QUOTA,
        reconnectDelayMs: NO_RECONNECT_DURING_RUN_MS,
    });
    try {
        const config = readConfig({
            ...simulator.settings(),
            AzureWebJobsStorage: 'UseDevelopmentStorage=true',
            MAX_USERS_PER_REQUEST: String(shape.users),
            PROTECTED_USERS: FIXTURE.users.breakglass.userPrincipalName,
            PROTECTED_GROUP_IDS: FIXTURE.groups.protectedAdmins.id,
        });
        const settings = serviceSettings(config);
        const users = Array.from({ length: shape.users }, (_, i) => bulkUserPrincipalName(i + 1));
        const parsed = parseSignOutRequest({ users, reason: 'bench: bulk sign-out' }, settings.policy);
        if (!parsed.ok) throw new Error(`bench request refused: ${JSON.stringify(parsed.problems)}`);
        const holds = new MemoryHolds();
        const memory = sampleRss();
        const started = performance.now();
        const tenant = tenantServicesFactory(config)(config.identity.tenantId, Date.now() + config.requestDeadlineInMs);
        const protectedSet = await buildProtectedSet(
            tenant.directory,
            guardConfiguration(config),
            config.identity.tenantId,
            Date.now(),
        );
        const result = await runSignOut(
            parsed.value,
            { ...tenant, protectedSet, journal: new MemoryJournal(), holds },
            settings.engine,
        );
        const wallInMs = performance.now() - started;
        const peakRssInBytes = memory.stop();
        const services = tallyByService(simulator.calls, latencyInMs);
        return {
            shape,
            status: result.status,
            wallInMs,
            services,
            retriesAfter429: Object.values(services).reduce((sum, tally) => sum + tally.throttled, 0),
            peakRssInBytes,
            usersRevoked: [...simulator.state.users.values()].filter((user) => user.revokedAt !== undefined).length,
            sessionsLeft: simulator.state.environments.reduce((sum, env) => sum + env.sessions.length, 0),
            settings: {
                graphResourceUnits: config.graphResourceUnits,
                bcConcurrency: config.bcConcurrency,
                maxUsersPerRequest: config.maxUsersPerRequest,
                timeoutInMs: config.httpTimeoutInMs,
            },
        };
    } finally {
        await simulator.close();
    }
}
