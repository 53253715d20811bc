import { NO_PROCESS_TELEMETRY, type ProcessTelemetry } from '../clients/telemetry/processTelemetry';
import { appConfig, type AppConfig } from '../config';
import { ConfigurationError } from '../core/errors';
import type { ServiceDependencies } from '../core/service/serviceDependencies';

/**
 * The process's service dependencies, with their adapters and SDKs loaded on the first invocation rather than when
 * the host loads the function entry points: registering the functions needs none of them.
 */
export async function services(): Promise<ServiceDependencies> {
    const { sharedServiceDependencies } = await import('./serviceDependencies');
    return sharedServiceDependencies();
}

/**
 * The process's telemetry, started on the first invocation like the services. A configuration that cannot be read
 * leaves it off: the handler then reports the setting at fault.
 */
export async function telemetry(): Promise<ProcessTelemetry> {
    let config: AppConfig;
    try {
        config = appConfig();
    } catch (error) {
        if (error instanceof ConfigurationError) return NO_PROCESS_TELEMETRY;
        throw error;
    }
    const { processTelemetry } = await import('./telemetry');
    return processTelemetry(config);
}
