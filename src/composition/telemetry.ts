import type { AppConfig } from '../config';
import { createCredential } from '../clients/identity/createCredential';
import { startAzureMonitor } from '../clients/telemetry/azureMonitor';
import { NO_PROCESS_TELEMETRY, type ProcessTelemetry } from '../clients/telemetry/processTelemetry';

/**
 * Starts an OpenTelemetry SDK for the configuration, registered globally. In Azure: the Azure Monitor distro
 * (`startAzureMonitor`); tests register in-memory exporters instead.
 */
export type StartTelemetry = (config: AppConfig) => void;

let shared: Promise<ProcessTelemetry> | undefined;

/**
 * The process's telemetry, started once, on first use, from the first configuration given: Application Insights
 * when it names a resource (`APPLICATIONINSIGHTS_CONNECTION_STRING`), nothing otherwise. A start that fails leaves
 * the process without telemetry, never without sign-outs; the `unhealthy` alert then fires for want of health
 * samples.
 */
export function processTelemetry(config: AppConfig, start: StartTelemetry = startForConfig): Promise<ProcessTelemetry> {
    shared ??= begin(config, start);
    return shared;
}

async function begin(config: AppConfig, start: StartTelemetry): Promise<ProcessTelemetry> {
    if (!config.telemetry) return NO_PROCESS_TELEMETRY;
    try {
        start(config);
        const { OpenTelemetryTelemetry } = await import('../clients/telemetry/openTelemetry');
        return new OpenTelemetryTelemetry();
    } catch (error) {
        // Not an invocation's to report: the host keeps the worker's console output.
        console.warn(`telemetry did not start: ${error instanceof Error ? error.name : typeof error}`);
        return NO_PROCESS_TELEMETRY;
    }
}

/** Azure Monitor, authenticated with the managed identity `APPLICATIONINSIGHTS_AUTHENTICATION_STRING` names. */
function startForConfig(config: AppConfig): void {
    const { connectionString, managedIdentity } = config.telemetry!;
    if (!managedIdentity) return startAzureMonitor({ connectionString });
    // That identity, not the app's AZURE_CLIENT_ID: without a ClientId it is the system-assigned one.
    const { clientId: _appClientId, ...identity } = config.identity;
    const clientId = managedIdentity.clientId;
    const credential = createCredential({ ...identity, mode: 'managed-identity', ...(clientId && { clientId }) });
    return startAzureMonitor({ connectionString, credential });
}
