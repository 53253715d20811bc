import { randomBytes } from 'node:crypto';
import { startSimulator, type SimulatorOptions, type TenantSimulator } from '../simulator';
import { FIXTURE_PROTECTION } from '../simulator/localSettings';

export interface AppHarness {
    simulator: TenantSimulator;
    connectionString: string;
    queueName: string;
    tablePrefix: string;
    /** The settings the app was given (also in process.env). */
    settings: Record<string, string>;
    close(): Promise<void>;
}

/**
 * Points the app (through process.env, read once by `appConfig()`) at Azurite and a fresh simulator, with table
 * and queue names unique to the calling test file. Call before the first handler runs.
 */
export async function startAppHarness(
    options: { simulator?: SimulatorOptions; settings?: Record<string, string> } = {},
): Promise<AppHarness> {
    const connectionString = process.env.AZURITE_CONNECTION_STRING;
    if (!connectionString)
        throw new Error('AZURITE_CONNECTION_STRING is not set: run through jest (its globalSetup starts Azurite)');
    const simulator = await startSimulator(options.simulator);
    const suffix = randomBytes(4).toString('hex');
    const queueName = `signout-${suffix}`;
    const tablePrefix = `t${suffix}`;
    const settings: Record<string, string> = {
        ...simulator.settings(),
        AzureWebJobsStorage: connectionString,
        SIGNOUT_QUEUE_NAME: queueName,
        AUDIT_TABLE_PREFIX: tablePrefix,
        ...FIXTURE_PROTECTION,
        CALLBACK_ALLOWED_HOSTS: 'hooks.example.com',
        ...options.settings,
    };
    Object.assign(process.env, settings);
    return {
        simulator,
        connectionString,
        queueName,
        tablePrefix,
        settings,
        close: () => simulator.close(),
    };
}

/** The harness of a test file: started before its tests, closed after them, answered by the function returned. */
export function harnessForFile(
    options: { simulator?: SimulatorOptions; settings?: Record<string, string> } = {},
): () => AppHarness {
    let harness: AppHarness | undefined;
    beforeAll(async () => {
        harness = await startAppHarness(options);
    });
    afterAll(async () => harness?.close());
    return () => {
        if (!harness) throw new Error('the harness starts in beforeAll: use it inside a test');
        return harness;
    };
}
