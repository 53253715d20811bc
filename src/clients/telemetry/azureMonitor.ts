import type { TokenCredential } from '@azure/identity';
import type * as AzureMonitorDistro from '@azure/monitor-opentelemetry';

export interface AzureMonitorOptions {
    /** `APPLICATIONINSIGHTS_CONNECTION_STRING`. */
    connectionString: string;
    /**
     * Entra authentication of the telemetry (`APPLICATIONINSIGHTS_AUTHENTICATION_STRING`): the resource accepts
     * nothing else when its local authentication is off, as `azd up` leaves it.
     */
    credential?: TokenCredential;
}

/** The distro's options: how this app's telemetry reaches Application Insights. */
function azureMonitorOptions(options: AzureMonitorOptions): AzureMonitorDistro.AzureMonitorOpenTelemetryOptions {
    return {
        azureMonitorExporterOptions: {
            connectionString: options.connectionString,
            ...(options.credential && { credential: options.credential }),
        },
        // Every trace is kept: a sweep every few minutes and each sign-out are few, and the distro's default rate
        // limit (5 traces a second, measured from its start) drops the spans of the first moments after a start,
        // which on Flex Consumption is the first invocation after every scale-out.
        samplingRatio: 1,
        tracesPerSecond: 0,
        // Token requests (http) and storage calls (Azure SDK) become dependencies through these; Graph, Business
        // Central and callbacks go through fetch, which the distro does not instrument: our clients record those.
        instrumentationOptions: {
            http: { enabled: true },
            azureSdk: { enabled: true },
            mongoDb: { enabled: false },
            mySql: { enabled: false },
            postgreSql: { enabled: false },
            redis: { enabled: false },
            redis4: { enabled: false },
        },
    };
}

/**
 * Starts the Azure Monitor OpenTelemetry distro for this process: traces, metrics and logs go to Application
 * Insights from then on, in batches. Loaded here, on first use, so a cold start does not pay for the SDK.
 */
export function startAzureMonitor(options: AzureMonitorOptions): void {
    const { useAzureMonitor } =
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('@azure/monitor-opentelemetry') as typeof AzureMonitorDistro;
    useAzureMonitor(azureMonitorOptions(options));
}
