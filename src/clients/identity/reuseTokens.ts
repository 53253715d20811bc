import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';

/** A token is used until this long before it expires, then a new one is asked for. */
const REFRESH_MARGIN_IN_MS = 5 * 60_000;

/**
 * A credential that asks once per scope and reuses the answer while it is valid. A new credential's cache is empty,
 * and every first caller racing (Graph and both BC clients, several batches) would otherwise fetch a token of its
 * own; and each later call would go through MSAL's cache lookup, which at thousands of calls a request costs real
 * CPU. A call with claims (a Continuous Access Evaluation challenge) or another tenant always asks the credential.
 */
export function reuseTokens(credential: TokenCredential, now: () => number = Date.now): TokenCredential {
    const inFlight = new Map<string, Promise<AccessToken | null>>();
    const issued = new Map<string, AccessToken>();
    return {
        getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
            if (options?.claims || options?.tenantId) return credential.getToken(scopes, options);
            const key = [scopes].flat().join(' ');
            const token = issued.get(key);
            const fresh =
                token &&
                token.expiresOnTimestamp - now() > REFRESH_MARGIN_IN_MS &&
                (token.refreshAfterTimestamp === undefined || token.refreshAfterTimestamp > now());
            if (fresh) return Promise.resolve(token);
            let pending = inFlight.get(key);
            if (!pending) {
                pending = credential.getToken(scopes, options).then(
                    (answer) => {
                        inFlight.delete(key);
                        if (answer) issued.set(key, answer);
                        return answer;
                    },
                    (error: unknown) => {
                        inFlight.delete(key);
                        throw error;
                    },
                );
                inFlight.set(key, pending);
            }
            return pending;
        },
    };
}
