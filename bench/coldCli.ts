import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bulkUserPrincipalName } from '../test/simulator';
import { describeWave, wavesOf, wireCalls } from './callAnalysis';
import { startBulkSimulator } from './cliSignOut';
import { benchSettings, childEnvironment, ROOT } from './environment';
import { runNode } from './process';

export interface ColdCliResult {
    environmentsNamed: boolean;
    status: string;
    /** Sequential waves of Graph and BC calls after the first token was issued. */
    roundTripsAfterToken: number;
    waves: string[];
}

/**
 * One user, three environments, in a CLI process of its own: everything cold (token, protected set, environments,
 * companies). Counted as in scenario 1, from the first token on, with every environment (listed) or named.
 */
export async function runColdCliUser(
    latencyInMs: number,
    connectionString: string,
    environmentsNamed: boolean,
): Promise<ColdCliResult> {
    const simulator = await startBulkSimulator({ users: 1, environments: 3, sessionsPerUser: 2 }, latencyInMs);
    try {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-cold-'));
        const args = [
            path.join(ROOT, 'dist', 'src', 'cli', 'main.js'),
            'signout',
            '--user',
            bulkUserPrincipalName(1),
            '--reason',
            'bench: one user, cold CLI',
            ...(environmentsNamed ? ['--env', 'PRODUCTION,SANDBOX,UAT'] : []),
            '--json',
        ];
        const run = await runNode(
            args,
            childEnvironment(benchSettings(simulator, connectionString, 1), path.join(dir, 'rss')),
        );
        const token = simulator.calls.find((call) => call.service === 'identity' && call.method === 'POST');
        const waves = wavesOf(wireCalls(simulator.calls, token?.at ?? 0), latencyInMs);
        const status = (JSON.parse(run.stdout || '{}') as { status?: string }).status ?? `exit ${run.code}`;
        return {
            environmentsNamed,
            status,
            roundTripsAfterToken: waves.length,
            waves: waves.map((wave, index) => `${index + 1}. ${describeWave(wave)}`),
        };
    } finally {
        await simulator.close();
    }
}
