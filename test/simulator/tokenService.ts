import { randomBytes } from 'node:crypto';
import { identityError } from './errorBodies';
import { emptyResponse, jsonResponse, type SimRequest, type SimResponse } from './http';
import type { SimulatorBehaviour } from './options';
import { labelGuid, opaqueToken } from './random';
import type { TenantState } from './state';

/** The APIs this one host plays; a token is good for exactly one of them. */
export type ResourceName = 'graph' | 'bc';

/** Path prefixes under which the simulator serves each resource; the scope `<url><prefix>/.default` names it. */
export const RESOURCE_PREFIXES: Record<ResourceName, string> = { graph: '/graph', bc: '/bc' };

/** The real services' scopes name the same resources, so a client that hard-codes them still works. */
const PUBLIC_RESOURCE_HOSTS: Record<string, ResourceName> = {
    'graph.microsoft.com': 'graph',
    'api.businesscentral.dynamics.com': 'bc',
};

const TOKEN_LIFETIME_SECONDS = 3599;

interface IssuedToken {
    resource: ResourceName;
    /** Real time: MSAL caches tokens by the wall clock, so advancing the simulator clock must not expire them. */
    expiresAt: number;
}

export type TokenCheck =
    | { ok: true; resource: ResourceName }
    | { ok: false; reason: 'missing' | 'unknown' | 'expired' | 'wrong-audience'; resource?: ResourceName };

/** Entra ID's discovery and token endpoints for one tenant and one app registration (client credentials). */
export class TokenService {
    private readonly tokens = new Map<string, IssuedToken>();

    constructor(
        private readonly state: TenantState,
        private readonly behaviour: Pick<SimulatorBehaviour, 'accessTokenFormat'>,
    ) {}

    /** Every access token handed out, in order. */
    issuedTokens(): string[] {
        return [...this.tokens.keys()];
    }

    /** Expires every token handed out so far, so the next call with one answers 401. */
    expireAll(): void {
        for (const token of this.tokens.values()) token.expiresAt = 0;
    }

    check(authorization: string | undefined, expected: ResourceName): TokenCheck {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
        if (!match) return { ok: false, reason: 'missing' };
        const issued = this.tokens.get(match[1] as string);
        if (!issued) return { ok: false, reason: 'unknown' };
        if (issued.expiresAt <= Date.now()) return { ok: false, reason: 'expired', resource: issued.resource };
        if (issued.resource !== expected) return { ok: false, reason: 'wrong-audience', resource: issued.resource };
        return { ok: true, resource: issued.resource };
    }

    /** Routes `/{tenant}/v2.0/.well-known/openid-configuration` and `/{tenant}/oauth2/v2.0/token`. */
    handle(req: SimRequest): SimResponse {
        const [tenant = '', ...rest] = req.segments;
        const route = rest.join('/');
        const known = route === 'v2.0/.well-known/openid-configuration' || route === 'oauth2/v2.0/token';
        if (!known) return emptyResponse(404);
        if (!this.isOwnTenant(tenant)) {
            return identityError(
                400,
                'invalid_request',
                90002,
                `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
            );
        }
        if (route === 'oauth2/v2.0/token') {
            return req.method === 'POST'
                ? this.token(req)
                : identityError(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
        }
        return req.method === 'GET' ? this.discovery(req) : emptyResponse(405);
    }

    private isOwnTenant(tenant: string): boolean {
        const wanted = tenant.toLowerCase();
        return wanted === this.state.tenantId || wanted === this.state.tenantDomain.toLowerCase();
    }

    /**
     * An app-only access token's shape and claims, as Entra issues them: `roles` holds the application permissions
     * granted on the resource when the token is issued (none: no claim). The signature is random, never checked.
     */
    private jwtShapedToken(scope: string, resource: ResourceName): string {
        const now = Math.floor(Date.now() / 1000);
        const claims = {
            aud: scope.replace(/\/\.default$/, ''),
            iss: `https://sts.windows.net/${this.state.tenantId}/`,
            iat: now,
            exp: now + TOKEN_LIFETIME_SECONDS,
            tid: this.state.tenantId,
            oid: servicePrincipalIdOf(this.state.clientId),
            appid: this.state.clientId,
            idtyp: 'app',
            jti: randomBytes(8).toString('hex'),
        };
        const roles = [...(resource === 'graph' ? this.state.graphPermissions : this.state.bcPermissions)];
        if (roles.length > 0) Object.assign(claims, { roles });
        return `${base64url({ typ: 'JWT', alg: 'RS256' })}.${base64url(claims)}.${randomBytes(64).toString('base64url')}`;
    }

    /**
     * MSAL checks that `issuer` has the host and port of the authority (platform-facts §6), so every URL is built from
     * the Host the client used.
     */
    private discovery(req: SimRequest): SimResponse {
        const base = `https://${req.headers.host ?? '127.0.0.1'}/${this.state.tenantId}`;
        return jsonResponse(200, {
            token_endpoint: `${base}/oauth2/v2.0/token`,
            token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
            jwks_uri: `${base}/discovery/v2.0/keys`,
            response_modes_supported: ['query', 'fragment', 'form_post'],
            subject_types_supported: ['pairwise'],
            id_token_signing_alg_values_supported: ['RS256'],
            response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
            scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
            issuer: `${base}/v2.0`,
            request_uri_parameter_supported: false,
            authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
            device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
            end_session_endpoint: `${base}/oauth2/v2.0/logout`,
            tenant_region_scope: 'EU',
            cloud_instance_name: 'microsoftonline.com',
        });
    }

    private token(req: SimRequest): SimResponse {
        const form = new URLSearchParams(req.body);
        const clientId = form.get('client_id') ?? '';
        if (form.get('grant_type') !== 'client_credentials') {
            return identityError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
        }
        if (clientId.toLowerCase() !== this.state.clientId) {
            return identityError(
                400,
                'unauthorized_client',
                700016,
                `Application with identifier '${clientId}' was not found in the directory '${this.state.tenantDomain}'.`,
            );
        }
        const secret = form.get('client_secret');
        if (secret === null) {
            return identityError(
                401,
                'invalid_client',
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
            );
        }
        if (secret !== this.state.clientSecret) {
            return identityError(
                401,
                'invalid_client',
                7000215,
                `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
            );
        }
        const scope = form.get('scope') ?? '';
        const resource = resourceOfScope(scope);
        if (!resource) {
            return identityError(
                400,
                'invalid_resource',
                500011,
                `The resource principal named ${scope} was not found in the tenant named ${this.state.tenantDomain}.`,
            );
        }
        const token = this.behaviour.accessTokenFormat === 'jwt' ? this.jwtShapedToken(scope, resource) : opaqueToken();
        this.tokens.set(token, { resource, expiresAt: Date.now() + TOKEN_LIFETIME_SECONDS * 1000 });
        return {
            ...jsonResponse(200, {
                token_type: 'Bearer',
                expires_in: TOKEN_LIFETIME_SECONDS,
                ext_expires_in: TOKEN_LIFETIME_SECONDS,
                access_token: token,
            }),
            resource,
        };
    }
}

/** The object id of the app's service principal in the simulated tenant (the `oid` of its app-only tokens). */
export function servicePrincipalIdOf(clientId: string): string {
    return labelGuid(`service-principal:${clientId.toLowerCase()}`);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The resource a client-credentials scope names: `<url>/graph/.default` or `<url>/bc/.default` (any host), or the
 * real services' scopes. Undefined for anything else, including a scope without `/.default`.
 */
export function resourceOfScope(scope: string): ResourceName | undefined {
    const single = scope
        .split(' ')
        .map((item) => item.trim())
        .find((item) => item.endsWith('/.default'));
    if (!single) return undefined;
    let url: URL;
    try {
        url = new URL(single.slice(0, -'/.default'.length));
    } catch {
        return undefined;
    }
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '') return PUBLIC_RESOURCE_HOSTS[url.hostname.toLowerCase()];
    return (Object.keys(RESOURCE_PREFIXES) as ResourceName[]).find((name) => RESOURCE_PREFIXES[name] === path);
}
