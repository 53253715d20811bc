import { startSimulator } from './index';
import { localSettingsFor } from './localSettings';

/** `--port N`, `--port=N` or SIMULATOR_PORT; 0 (a free port) when none is given. */
function portFrom(args: readonly string[], env: NodeJS.ProcessEnv): number {
    const index = args.findIndex((arg) => arg === '--port' || arg.startsWith('--port='));
    const text = index < 0 ? env.SIMULATOR_PORT : (args[index]?.split('=')[1] ?? args[index + 1]);
    const port = Number(text ?? 0);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Not a port: "${text}"`);
    return port;
}

/**
 * Runs the simulator until stopped. Standard output carries only the local.settings.json that points the app at it,
 * so `npm run --silent simulator > local.settings.json` writes the file; everything else goes to standard error.
 */
async function main(): Promise<void> {
    // JWT-shaped tokens, as Entra issues them: `bc-signout doctor` reads the permissions they carry.
    const simulator = await startSimulator({
        port: portFrom(process.argv.slice(2), process.env),
        accessTokenFormat: 'jwt',
    });
    console.log(JSON.stringify(localSettingsFor(simulator.settings()), null, 2));
    console.error(`Tenant simulator listening on ${simulator.url} (Ctrl+C stops it).`);
    console.error('Standard output is a complete local.settings.json for it and Azurite (npm run azurite); the');
    console.error('client secret is a made-up test value. Start the host through scripts/with-test-ca.js so that it');
    console.error('trusts the simulator: node scripts/with-test-ca.js func start');
    const stop = () => {
        simulator.close().then(
            () => process.exit(0),
            () => process.exit(1),
        );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
