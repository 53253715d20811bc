import { hostname, userInfo } from 'node:os';
import { acquireToken } from '../clients/identity/acquireToken';
import { createCredential, scopeFor } from '../clients/identity/createCredential';
import { tokenIdentity, type TokenIdentity } from '../clients/identity/tokenIdentity';
import type { AppConfig } from '../config';
import { AuthenticationFailedError } from '../core/errors';
import type { Caller } from '../core/ports/auditStore';

/** The signed-in operating-system user; `userInfo` throws for a uid without a passwd entry (some containers). */
function osUser(env: Record<string, string | undefined>): string {
    try {
        return userInfo().username;
    } catch {
        return env.USER ?? env.USERNAME ?? 'unknown';
    }
}

/**
 * Who ran the CLI, as the audit trail records it: the Entra identity its credential signs in as in the request's
 * tenant (read from the token it is given: object id, app id, UPN), and the operating-system user `<user>@<host>`.
 * When no token can be had or read, the identity is the OS user alone, recorded as not verified; a credential that
 * cannot sign in fails the run itself, truthfully, as before.
 */
export async function cliCaller(
    config: AppConfig,
    env: Record<string, string | undefined>,
    tenantId: string = config.identity.tenantId,
): Promise<Caller> {
    const os = `${osUser(env)}@${hostname()}`;
    const identity = await signedInIdentity(config, tenantId);
    if (!identity) return { kind: 'cli', id: os, osUser: os, verified: false };
    return {
        kind: 'cli',
        id: identity.objectId ?? identity.appId ?? os,
        ...(identity.userPrincipalName !== undefined && { name: identity.userPrincipalName }),
        ...(identity.objectId !== undefined && { objectId: identity.objectId }),
        ...(identity.appId !== undefined && { appId: identity.appId }),
        verified: true,
        osUser: os,
    };
}

async function signedInIdentity(config: AppConfig, tenantId: string): Promise<TokenIdentity | undefined> {
    try {
        const token = await acquireToken(createCredential(config.identity, tenantId), scopeFor(config.graphEndpoint));
        return tokenIdentity(token);
    } catch (error) {
        if (error instanceof AuthenticationFailedError) return undefined;
        throw error;
    }
}

/** The lease owner of this process: a request or the sweep is held by one CLI run at a time. */
export function cliLeaseOwner(): string {
    return `cli:${hostname()}:${process.pid}`;
}
