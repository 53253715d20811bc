import type * as AzureIdentity from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import type { AppConfig } from '../../config';

/** Authority hosts of Microsoft's clouds; any other host (a simulator, a proxy) skips instance discovery. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
    'login.microsoftonline.com',
    'login.microsoftonline.us',
    'login.chinacloudapi.cn',
    'login.partner.microsoftonline.cn',
]);

function isMicrosoftAuthority(authorityHost: string): boolean {
    return MICROSOFT_AUTHORITY_HOSTS.has(new URL(authorityHost).hostname.toLowerCase());
}

/** True when the process runs inside Azure App Service / Functions with a managed identity endpoint. */
function runsWithManagedIdentity(env: NodeJS.ProcessEnv): boolean {
    return Boolean(env.IDENTITY_ENDPOINT || env.MSI_ENDPOINT);
}

export type CredentialKind = 'managed-identity' | 'client-secret' | 'client-certificate' | 'developer';

/** Which credential `auto` resolves to: secret, then certificate, then managed identity in Azure, else developer. */
export function credentialKind(identity: AppConfig['identity'], env: NodeJS.ProcessEnv = process.env): CredentialKind {
    if (identity.mode !== 'auto') return identity.mode;
    if (identity.clientSecret) return 'client-secret';
    if (identity.certificatePath) return 'client-certificate';
    return runsWithManagedIdentity(env) ? 'managed-identity' : 'developer';
}

/**
 * The one credential factory. `tenantId` is a parameter so that a partner deployment can act in a customer tenant
 * per request. `@azure/identity` is loaded on first use: it is heavy and cold starts should not pay for it early.
 */
export function createCredential(
    identity: AppConfig['identity'],
    tenantId: string = identity.tenantId,
): TokenCredential {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const azureIdentity = require('@azure/identity') as typeof AzureIdentity;
    const common = {
        authorityHost: identity.authorityHost,
        ...(!isMicrosoftAuthority(identity.authorityHost) && { disableInstanceDiscovery: true }),
    };
    switch (credentialKind(identity)) {
        case 'client-secret':
            return new azureIdentity.ClientSecretCredential(
                tenantId,
                identity.clientId ?? '',
                identity.clientSecret ?? '',
                common,
            );
        case 'client-certificate':
            return new azureIdentity.ClientCertificateCredential(
                tenantId,
                identity.clientId ?? '',
                { certificatePath: identity.certificatePath ?? '' },
                common,
            );
        case 'managed-identity':
            return identity.clientId
                ? new azureIdentity.ManagedIdentityCredential({ clientId: identity.clientId })
                : new azureIdentity.ManagedIdentityCredential();
        case 'developer':
            return new azureIdentity.DefaultAzureCredential({ ...common, tenantId });
    }
}

/** Token scopes derive from the endpoints, so sovereign clouds and the simulator need no other setting. */
export function scopeFor(endpoint: string): string {
    return `${endpoint.replace(/\/+$/, '')}/.default`;
}
