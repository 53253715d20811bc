import { startSimulator } from './index';

/** `--port N`, `--port=N` or SIMULATOR_PORT; 0 (a free port) when none is given. */
function portFrom(args: readonly string[], env: NodeJS.ProcessEnv): number {
    const index = args.findIndex((arg) => arg === '--port' || arg.startsWith('--port='));
    const text = index < 0 ? env.SIMULATOR_PORT : (args[index]?.split('=')[1] ?? args[index + 1]);
    const port = Number(text ?? 0);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Not a port: "${text}"`);
    return port;
}

async function main(): Promise<void> {
    const simulator = await startSimulator({ port: portFrom(process.argv.slice(2), process.env) });
    console.log(`Tenant simulator listening on ${simulator.url}`);
    console.log('# Settings for local.settings.json (the secret is a made-up test value).');
    console.log('# The app must trust test/simulator/certs/ca.pem: start it through scripts/with-test-ca.js.');
    for (const [name, value] of Object.entries(simulator.settings())) console.log(`${name}=${value}`);
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
