import { GUID_PATTERN, UNSAFE_TEXT_PATTERN } from '../../core/request/patterns';

/** What the platform's client principal says about the caller, checked. */
export interface VerifiedPrincipal {
    objectId?: string;
    appId?: string;
    name?: string;
    roles: string[];
}

export type PrincipalReading = { ok: true; principal: VerifiedPrincipal } | { ok: false; problem: string };

const OBJECT_ID_CLAIMS = ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid'];
const APP_ID_CLAIMS = ['appid', 'azp'];
const NAME_CLAIMS = ['name', 'preferred_username', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn'];
const ROLE_CLAIMS = ['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'];
const MAX_NAME_LENGTH = 256;
const MAX_ROLES = 100;

interface Claim {
    typ: string;
    val: string;
}

/**
 * Reads `x-ms-client-principal`: base64 JSON `{auth_typ, claims: [{typ, val}], name_typ, role_typ}` (platform-facts
 * §9). Anything not in that shape, ids that are not GUIDs and names with control characters are refused: the
 * caller's identity goes into the audit, so it is taken exactly or not at all.
 */
export function readClientPrincipal(header: string): PrincipalReading {
    let principal: unknown;
    try {
        principal = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    } catch {
        return { ok: false, problem: 'is not base64-encoded JSON' };
    }
    if (typeof principal !== 'object' || principal === null || Array.isArray(principal))
        return { ok: false, problem: 'is not a JSON object' };
    const { claims, name_typ: nameType, role_typ: roleType } = principal as Record<string, unknown>;
    if (!Array.isArray(claims) || !claims.every(isClaim)) return { ok: false, problem: 'has no list of claims' };
    const values = (types: readonly unknown[]) =>
        claims.filter((claim) => types.includes(claim.typ)).map((claim) => claim.val);

    const objectId = values(OBJECT_ID_CLAIMS)[0];
    const appId = values(APP_ID_CLAIMS)[0];
    if (objectId === undefined && appId === undefined) return { ok: false, problem: 'names no object or app id' };
    if (objectId !== undefined && !GUID_PATTERN.test(objectId))
        return { ok: false, problem: 'has an object id that is not a GUID' };
    if (appId !== undefined && !GUID_PATTERN.test(appId))
        return { ok: false, problem: 'has an app id that is not a GUID' };
    const name = values([nameType, ...NAME_CLAIMS])[0];
    if (name !== undefined && (name.length > MAX_NAME_LENGTH || UNSAFE_TEXT_PATTERN.test(name)))
        return { ok: false, problem: 'has a name with control characters or too long' };
    const roles = [...new Set(values([roleType, ...ROLE_CLAIMS]))];
    if (
        roles.length > MAX_ROLES ||
        roles.some((role) => role.length > MAX_NAME_LENGTH || UNSAFE_TEXT_PATTERN.test(role))
    )
        return { ok: false, problem: 'has roles that are not role names' };
    return {
        ok: true,
        principal: {
            ...(objectId !== undefined && { objectId: objectId.toLowerCase() }),
            ...(appId !== undefined && { appId: appId.toLowerCase() }),
            ...(name !== undefined && { name }),
            roles,
        },
    };
}

function isClaim(value: unknown): value is Claim {
    if (typeof value !== 'object' || value === null) return false;
    const { typ, val } = value as Record<string, unknown>;
    return typeof typ === 'string' && typeof val === 'string';
}
