import { startAzurite } from './azurite';

/**
 * One Azurite for the whole run, unless the environment already names one (AZURITE_CONNECTION_STRING).
 * Workers are forked after this runs, so they inherit the variable.
 */
export default async function globalSetup(): Promise<void> {
    if (process.env.AZURITE_CONNECTION_STRING) return;
    const azurite = await startAzurite();
    process.env.AZURITE_CONNECTION_STRING = azurite.connectionString;
    process.env.AZURITE_PID_STARTED_BY_TESTS = String(azurite.pid);
}
