import type { TokenCredential } from '@azure/identity';
import type * as GraphClientModule from '@microsoft/microsoft-graph-client';
import type { Client } from '@microsoft/microsoft-graph-client';
import type * as AzureTokenCredentials from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { scopeFor } from '../identity/createCredential';

/**
 * The real Graph client over our credential. The bearer token is attached only to Graph hosts and `customHosts`
 * (bare host names, platform-facts §1), so a sovereign cloud or the simulator's host is listed there.
 * Loaded on first use: the SDK is heavy for a cold start.
 */
export function createGraphClient(credential: TokenCredential, graphEndpoint: string): Client {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { Client: GraphClient } = require('@microsoft/microsoft-graph-client') as typeof GraphClientModule;
    const { TokenCredentialAuthenticationProvider } =
        require('@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials') as typeof AzureTokenCredentials;
    /* eslint-enable @typescript-eslint/no-require-imports */
    return GraphClient.initWithMiddleware({
        authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [scopeFor(graphEndpoint)] }),
        baseUrl: graphEndpoint,
        defaultVersion: 'v1.0',
        customHosts: new Set([new URL(graphEndpoint).hostname]),
    });
}
