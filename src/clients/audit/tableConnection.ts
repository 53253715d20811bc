import { TableClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';

export type TableConnection = { connectionString: string } | { tableServiceUri: string; credential: TokenCredential };

/**
 * A client for one table. Plain http is allowed only towards a loopback host (Azurite in development and
 * tests); anything else must be https, so a misconfigured endpoint fails instead of sending keys in the clear.
 */
export function tableClientFor(connection: TableConnection, tableName: string): TableClient {
    if ('connectionString' in connection) {
        const endpoint = tableEndpointOf(connection.connectionString);
        return TableClient.fromConnectionString(connection.connectionString, tableName, {
            allowInsecureConnection: endpoint !== undefined && isLoopbackHttp(endpoint),
        });
    }
    return new TableClient(connection.tableServiceUri, tableName, connection.credential, {
        allowInsecureConnection: isLoopbackHttp(connection.tableServiceUri),
    });
}

/** `TableEndpoint=` of a connection string; `UseDevelopmentStorage=true` is handled by the SDK itself. */
function tableEndpointOf(connectionString: string): string | undefined {
    for (const part of connectionString.split(';')) {
        const separator = part.indexOf('=');
        if (part.slice(0, separator).trim().toLowerCase() === 'tableendpoint') return part.slice(separator + 1).trim();
    }
    return undefined;
}

function isLoopbackHttp(endpoint: string): boolean {
    let url: URL;
    try {
        url = new URL(endpoint);
    } catch {
        return false;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return url.protocol === 'http:' && (host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host));
}
