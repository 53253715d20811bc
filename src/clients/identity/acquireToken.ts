import type { TokenCredential } from '@azure/identity';
import { AuthenticationFailedError } from '../../core/errors';

/**
 * Gets a token, turning credential failures into `AuthenticationFailedError` classified by the AADSTS code.
 * `@azure/identity` 4.x reports a wrong secret as `AuthenticationRequiredError` with the code in the message
 * (platform-facts §6); only the code travels on, never the message's remainder.
 */
export async function acquireToken(credential: TokenCredential, scope: string): Promise<string> {
    try {
        const token = await credential.getToken(scope);
        if (!token) throw new AuthenticationFailedError('no-token', `No token was issued for ${scope}`);
        return token.token;
    } catch (error) {
        if (error instanceof AuthenticationFailedError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        const code = /AADSTS\d+/.exec(message)?.[0] ?? (error instanceof Error ? error.name : 'credential-error');
        throw new AuthenticationFailedError(code, `Could not get a token for ${scope} (${code})`);
    }
}
