import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { TenantSimulator } from '../test/simulator';
import { FIXTURE_PROTECTION } from '../test/simulator/localSettings';

export const ROOT = path.join(__dirname, '..');
/** The test CA the simulator's certificate is signed by: child processes trust it as `npm test` does. */
export const TEST_CA = path.join(ROOT, 'test', 'simulator', 'certs', 'ca.pem');

/**
 * The app settings of a bench scenario: the simulator's endpoints and credentials, Azurite, tables and a queue of
 * its own, the fixture's protected accounts, and limits that let one request name every user of the scenario.
 */
export function benchSettings(
    simulator: TenantSimulator,
    connectionString: string,
    users: number,
    extra: Record<string, string> = {},
): Record<string, string> {
    const suffix = randomBytes(4).toString('hex');
    return {
        ...simulator.settings(),
        AzureWebJobsStorage: connectionString,
        SIGNOUT_QUEUE_NAME: `bench-${suffix}`,
        AUDIT_TABLE_PREFIX: `b${suffix}`,
        ...FIXTURE_PROTECTION,
        MAX_USERS_PER_REQUEST: String(Math.max(users, 1)),
        CALLER_MAX_USERS_PER_HOUR: String(Math.max(users, 2000)),
        // Above it a caller needs the role SignOut.Block; the bench's local caller has no roles (at most 10,000).
        BULK_THRESHOLD: String(Math.min(Math.max(users, 1), 10_000)),
        ...extra,
    };
}

/** What a child process of a scenario runs with: the settings, the test CA, and where to write its peak memory. */
export function childEnvironment(settings: Record<string, string>, peakRssFile: string): NodeJS.ProcessEnv {
    return { ...process.env, ...settings, NODE_EXTRA_CA_CERTS: TEST_CA, BENCH_PEAK_RSS_FILE: peakRssFile };
}
