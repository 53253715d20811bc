import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';

/**
 * A credential that asks once for concurrent requests of the same scopes. A new credential's cache is empty, and
 * every first caller racing (Graph and both BC clients, several batches) would otherwise fetch a token of its own.
 */
export function singleFlight(credential: TokenCredential): TokenCredential {
    const inFlight = new Map<string, Promise<AccessToken | null>>();
    return {
        getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
            const key = [scopes].flat().join(' ');
            let pending = inFlight.get(key);
            if (!pending) {
                pending = credential.getToken(scopes, options).finally(() => inFlight.delete(key));
                inFlight.set(key, pending);
            }
            return pending;
        },
    };
}
