/**
 * The claims of a JWT-shaped access token, decoded in memory, or undefined when the token is not one (opaque). The
 * signature is not checked: a client reads its own token only to describe itself, never to trust a caller.
 */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
    const payload = token.split('.')[1];
    if (payload === undefined || !/^[A-Za-z0-9_-]+$/.test(payload)) return undefined;
    let claims: unknown;
    try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
        return undefined;
    }
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
        ? (claims as Record<string, unknown>)
        : undefined;
}
