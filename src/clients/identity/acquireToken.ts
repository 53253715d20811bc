import type { TokenCredential } from '@azure/identity';
import { AuthenticationFailedError } from '../../core/errors';

const CREDENTIAL_ERRORS = new Set(['AuthenticationRequiredError', 'AuthenticationError', 'CredentialUnavailableError']);

/**
 * A credential failure as `AuthenticationFailedError`, classified by the AADSTS code, or undefined when the error is
 * something else. `@azure/identity` 4.x reports a wrong secret as `AuthenticationRequiredError` with the code in the
 * message (platform-facts §6); only the code travels on, never the rest of the message.
 */
export function credentialFailure(error: unknown, scope: string): AuthenticationFailedError | undefined {
    if (error instanceof AuthenticationFailedError) return error;
    const name = error instanceof Error ? error.name : '';
    // The Graph SDK wraps a credential's error in a GraphError that keeps the original name as its `code`.
    const wrapped = (error as { code?: unknown } | null)?.code;
    const kind = CREDENTIAL_ERRORS.has(name)
        ? name
        : typeof wrapped === 'string' && CREDENTIAL_ERRORS.has(wrapped)
          ? wrapped
          : '';
    const message = error instanceof Error ? error.message : String(error);
    const aadsts = /AADSTS\d+/.exec(message)?.[0];
    if (!aadsts && !kind) return undefined;
    const code = aadsts ?? kind;
    return new AuthenticationFailedError(code, `Could not get a token for ${scope} (${code})`);
}

export async function acquireToken(credential: TokenCredential, scope: string): Promise<string> {
    let token;
    try {
        token = await credential.getToken(scope);
    } catch (error) {
        throw (
            credentialFailure(error, scope) ??
            new AuthenticationFailedError('credential-error', `Could not get a token for ${scope}`)
        );
    }
    if (!token) throw new AuthenticationFailedError('no-token', `No token was issued for ${scope}`);
    return token.token;
}
