import { GUID_PATTERN, UNSAFE_TEXT_PATTERN } from '../../core/request/patterns';
import { jwtClaims } from './jwtClaims';

/** Who an access token was issued to, as its claims say. */
export interface TokenIdentity {
    objectId?: string;
    appId?: string;
    /** A user's UPN; absent for an app-only token. */
    userPrincipalName?: string;
}

const MAX_NAME_LENGTH = 256;

/**
 * Reads the identity claims of an Entra access token (a JWT: `oid`, `appid`/`azp`, `upn`/`preferred_username`).
 * Access tokens are meant to be opaque to clients: this is only for a client naming itself in the audit, and a
 * token it cannot read leaves that identity unknown rather than guessed. The token itself is never kept.
 */
export function tokenIdentity(token: string): TokenIdentity | undefined {
    const claims = jwtClaims(token);
    if (!claims) return undefined;
    const { oid, appid, azp, upn, preferred_username: preferredUsername } = claims;
    const guid = (value: unknown) =>
        typeof value === 'string' && GUID_PATTERN.test(value) ? value.toLowerCase() : undefined;
    const name = [upn, preferredUsername].find(
        (value): value is string =>
            typeof value === 'string' && value.length <= MAX_NAME_LENGTH && !UNSAFE_TEXT_PATTERN.test(value),
    );
    const objectId = guid(oid);
    const appId = guid(appid) ?? guid(azp);
    if (objectId === undefined && appId === undefined) return undefined;
    return {
        ...(objectId !== undefined && { objectId }),
        ...(appId !== undefined && { appId }),
        ...(name !== undefined && { userPrincipalName: name }),
    };
}
