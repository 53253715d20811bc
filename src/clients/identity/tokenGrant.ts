import type { TokenGrant } from '../../core/doctor/probes';
import { GUID_PATTERN } from '../../core/request/patterns';
import { jwtClaims } from './jwtClaims';

/** Longest permission name kept; Graph's are a few dozen characters. */
const MAX_ROLE_LENGTH = 128;

/**
 * What an access token grants, from its claims: an app-only token's `roles` are the application permissions on its
 * resource (an app granted none gets no `roles` claim); a token with `scp` was issued to a signed-in person.
 */
export function tokenGrant(token: string): TokenGrant {
    const claims = jwtClaims(token);
    if (!claims) return { kind: 'unreadable' };
    if (typeof claims.scp === 'string') return { kind: 'delegated' };
    const roles = Array.isArray(claims.roles)
        ? claims.roles.filter(
              (role): role is string =>
                  typeof role === 'string' && role.length <= MAX_ROLE_LENGTH && /^[\w.]+$/.test(role),
          )
        : [];
    const oid = typeof claims.oid === 'string' && GUID_PATTERN.test(claims.oid) ? claims.oid.toLowerCase() : undefined;
    return { kind: 'application', roles, ...(oid !== undefined && { servicePrincipalId: oid }) };
}
