import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HOST_MAX_DEQUEUE_COUNT } from '../../../src/composition/serviceDependencies';
import { HOST_FUNCTION_TIMEOUT_MS, readConfig } from '../../../src/config';
import { ConfigurationError } from '../../../src/core/errors';
import { SETTINGS } from '../../../src/settings';

const valid = {
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    AZURE_TENANT_ID: '11111111-1111-1111-1111-111111111111',
};

const TELEMETRY =
    'InstrumentationKey=00000000-0000-0000-0000-0000000000a1;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';

function settingNamedBy(env: Record<string, string>): string | undefined {
    try {
        readConfig({ ...valid, ...env });
        return undefined;
    } catch (error) {
        if (error instanceof ConfigurationError) return error.setting;
        throw error;
    }
}

describe('readConfig', () => {
    it('applies the documented defaults', () => {
        const config = readConfig(valid);
        expect(config).toMatchObject({
            graphEndpoint: 'https://graph.microsoft.com',
            bcEndpoint: 'https://api.businesscentral.dynamics.com',
            queueName: 'signout-requests',
            maxUsersPerRequest: 500,
            allowedTenantIds: [valid.AZURE_TENANT_ID],
            identity: { authorityHost: 'https://login.microsoftonline.com', mode: 'auto' },
        });
    });

    it.each([
        [{ AZURE_TENANT_ID: '' }, 'AZURE_TENANT_ID'],
        [{ AZURE_TENANT_ID: 'contoso' }, 'AZURE_TENANT_ID'],
        [{ AzureWebJobsStorage: '' }, 'AzureWebJobsStorage'],
        [{ GRAPH_ENDPOINT: 'http://graph.example' }, 'GRAPH_ENDPOINT'],
        [{ BC_ADMIN_ENDPOINT: 'not a url' }, 'BC_ADMIN_ENDPOINT'],
        [{ BC_ADMIN_API_VERSION: '2.28' }, 'BC_ADMIN_API_VERSION'],
        [{ MAX_USERS_PER_REQUEST: '0' }, 'MAX_USERS_PER_REQUEST'],
        [{ BC_CONCURRENCY: '9' }, 'BC_CONCURRENCY'],
        [{ PROTECTED_GROUP_IDS: 'admins' }, 'PROTECTED_GROUP_IDS'],
        [{ PROTECTED_USERS: 'not-a-user' }, 'PROTECTED_USERS'],
        [{ CALLBACK_ALLOWED_HOSTS: 'https://x.com/path' }, 'CALLBACK_ALLOWED_HOSTS'],
        [{ SWEEP_SCHEDULE: '*/5 * * * *' }, 'SWEEP_SCHEDULE'],
        [{ SIGNOUT_QUEUE_NAME: 'Bad_Queue' }, 'SIGNOUT_QUEUE_NAME'],
        [{ AUTH_MODE: 'password' }, 'AUTH_MODE'],
        [
            { AUTH_MODE: 'client-secret', AZURE_CLIENT_ID: '22222222-2222-2222-2222-222222222222' },
            'AZURE_CLIENT_SECRET',
        ],
        [{ AZURE_CLIENT_SECRET: 'x' }, 'AZURE_CLIENT_ID'],
        [
            { APPLICATIONINSIGHTS_CONNECTION_STRING: 'IngestionEndpoint=https://x/' },
            'APPLICATIONINSIGHTS_CONNECTION_STRING',
        ],
        [{ APPLICATIONINSIGHTS_CONNECTION_STRING: 'not a connection string' }, 'APPLICATIONINSIGHTS_CONNECTION_STRING'],
        [
            {
                APPLICATIONINSIGHTS_CONNECTION_STRING: TELEMETRY,
                APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=x',
            },
            'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
        ],
        [
            {
                APPLICATIONINSIGHTS_CONNECTION_STRING: TELEMETRY,
                APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=app',
            },
            'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
        ],
    ])('names the wrong setting: %j', (env, setting) => {
        expect(settingNamedBy(env)).toBe(setting);
    });

    it('reads telemetry only when a connection string names a resource, with Entra auth when asked for', () => {
        expect(readConfig(valid).telemetry).toBeUndefined();
        expect(readConfig({ ...valid, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' }).telemetry).toBe(
            undefined,
        );
        expect(readConfig({ ...valid, APPLICATIONINSIGHTS_CONNECTION_STRING: TELEMETRY }).telemetry).toEqual({
            connectionString: TELEMETRY,
        });
        const clientId = '33333333-3333-3333-3333-333333333333';
        expect(
            readConfig({
                ...valid,
                APPLICATIONINSIGHTS_CONNECTION_STRING: TELEMETRY,
                APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${clientId};Authorization=AAD`,
            }).telemetry,
        ).toEqual({ connectionString: TELEMETRY, managedIdentity: { clientId } });
        expect(
            readConfig({
                ...valid,
                APPLICATIONINSIGHTS_CONNECTION_STRING: TELEMETRY,
                APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
            }).telemetry,
        ).toEqual({ connectionString: TELEMETRY, managedIdentity: {} });
    });

    it('stops on a request deadline that leaves the host no time for the audit tail, naming both settings', () => {
        expect(settingNamedBy({ REQUEST_DEADLINE_MS: '540000' })).toBeUndefined();
        expect(settingNamedBy({ REQUEST_DEADLINE_MS: '590000' })).toBe('REQUEST_DEADLINE_MS');
        expect(() => readConfig({ ...valid, REQUEST_DEADLINE_MS: '590000' })).toThrow(/functionTimeout/);
    });

    it('stops on a retention shorter than the longest hold plus the watch window, naming both', () => {
        expect(settingNamedBy({ RETENTION_DAYS: '367' })).toBeUndefined();
        expect(settingNamedBy({ RETENTION_DAYS: '90' })).toBe('RETENTION_DAYS');
        expect(() => readConfig({ ...valid, RETENTION_DAYS: '90' })).toThrow(/hold.*watch/);
    });

    it('takes an audit signing key, and stops on one that is short or an unresolved Key Vault reference', () => {
        const key = 'a-long-enough-audit-signing-key-0123456789';
        expect(readConfig({ ...valid, AUDIT_SIGNING_KEY: key }).auditSigningKey).toBe(key);
        expect(readConfig(valid).auditSigningKey).toBeUndefined();
        expect(settingNamedBy({ AUDIT_SIGNING_KEY: 'short-secret' })).toBe('AUDIT_SIGNING_KEY');
        const reference = '@Microsoft.KeyVault(SecretUri=https://vault.vault.azure.net/secrets/audit-signing-key/)';
        expect(settingNamedBy({ AUDIT_SIGNING_KEY: reference })).toBe('AUDIT_SIGNING_KEY');
        expect(() => readConfig({ ...valid, AUDIT_SIGNING_KEY: reference })).toThrow(/Key Vault Secrets User/);
        expect(() => readConfig({ ...valid, AUDIT_SIGNING_KEY: 'short-secret' })).not.toThrow(/short-secret/);
    });

    it('never puts a secret value in its message', () => {
        try {
            readConfig({ ...valid, AUTH_MODE: 'client-secret', AZURE_CLIENT_SECRET: 'super-secret-value' });
        } catch (error) {
            expect(String(error)).not.toContain('super-secret-value');
        }
        expect.hasAssertions();
    });

    it('accepts identity-based storage settings instead of a connection string', () => {
        const config = readConfig({
            AZURE_TENANT_ID: valid.AZURE_TENANT_ID,
            AzureWebJobsStorage__queueServiceUri: 'https://acct.queue.core.windows.net',
            AzureWebJobsStorage__tableServiceUri: 'https://acct.table.core.windows.net',
            AzureWebJobsStorage__clientId: '33333333-3333-3333-3333-333333333333',
        });
        expect(config.storage).toEqual({
            kind: 'identity',
            queueServiceUri: 'https://acct.queue.core.windows.net',
            tableServiceUri: 'https://acct.table.core.windows.net',
            clientId: '33333333-3333-3333-3333-333333333333',
        });
    });
});

describe('settings stay in step', () => {
    it('local.settings.example.json names every setting the code reads', () => {
        const example = JSON.parse(
            readFileSync(path.join(__dirname, '../../../local.settings.example.json'), 'utf8'),
        ) as { Values: Record<string, string> };
        expect(
            Object.keys(example.Values)
                .filter((name) => name !== 'FUNCTIONS_WORKER_RUNTIME')
                .sort(),
        ).toEqual(SETTINGS.map((s) => s.name).sort());
    });

    it('the README documents every setting', () => {
        const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
        const missing = SETTINGS.map((s) => s.name).filter((name) => !readme.includes(`\`${name}\``));
        expect(missing).toEqual([]);
    });

    it("host.json's functionTimeout is the one the request deadline is checked against", () => {
        const host = JSON.parse(readFileSync(path.join(__dirname, '../../../host.json'), 'utf8')) as {
            functionTimeout: string;
        };
        const [hours, minutes, seconds] = host.functionTimeout.split(':').map(Number);
        expect(((hours! * 60 + minutes!) * 60 + seconds!) * 1000).toBe(HOST_FUNCTION_TIMEOUT_MS);
    });

    it("host.json's maxDequeueCount is the one the service finishes on", () => {
        const host = JSON.parse(readFileSync(path.join(__dirname, '../../../host.json'), 'utf8')) as {
            extensions: { queues: { maxDequeueCount: number } };
        };
        expect(host.extensions.queues.maxDequeueCount).toBe(HOST_MAX_DEQUEUE_COUNT);
    });
});
