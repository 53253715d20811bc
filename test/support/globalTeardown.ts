/** Stops the Azurite that globalSetup started, by its pid; one given by the environment is left running. */
export default async function globalTeardown(): Promise<void> {
    const pid = Number(process.env.AZURITE_PID_STARTED_BY_TESTS);
    if (!pid) return;
    try {
        process.kill(pid, 'SIGTERM');
    } catch {
        // Already gone.
    }
    delete process.env.AZURITE_PID_STARTED_BY_TESTS;
    delete process.env.AZURITE_CONNECTION_STRING;
}
