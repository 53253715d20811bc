/**
 * Every application setting the code reads, in one place: `config.ts` parses them, the infra/config cross-check
 * test compares this list with the Bicep app settings, and `local.settings.example.json` must name each one.
 */
export interface SettingDefinition {
    name: string;
    description: string;
    /** Used when the setting is absent; absent and undefined = optional with no value. */
    defaultValue?: string;
    /** Who provides it in Azure: `infra` (Bicep app settings), `platform` (the Functions host), or `optional`. */
    providedBy: 'infra' | 'platform' | 'optional';
}

export const SETTINGS = [
    {
        name: 'AzureWebJobsStorage',
        description:
            'Storage connection string for the queue and the audit tables (UseDevelopmentStorage=true for Azurite).',
        providedBy: 'optional',
    },
    {
        name: 'AzureWebJobsStorage__queueServiceUri',
        description: 'Identity-based storage: the queue service URI (used when AzureWebJobsStorage is not set).',
        providedBy: 'infra',
    },
    {
        name: 'AzureWebJobsStorage__tableServiceUri',
        description: 'Identity-based storage: the table service URI.',
        providedBy: 'infra',
    },
    {
        name: 'AzureWebJobsStorage__blobServiceUri',
        description: 'Identity-based storage: the blob service URI (read by the Functions host only).',
        providedBy: 'infra',
    },
    {
        name: 'AzureWebJobsStorage__credential',
        description: 'Identity-based storage: `managedidentity`.',
        providedBy: 'infra',
    },
    {
        name: 'AzureWebJobsStorage__clientId',
        description: 'Identity-based storage: client id of the user-assigned managed identity.',
        providedBy: 'infra',
    },
    { name: 'AZURE_TENANT_ID', description: 'Entra tenant id (GUID) the service acts in.', providedBy: 'infra' },
    {
        name: 'AZURE_CLIENT_ID',
        description: 'App (client) id: of the user-assigned managed identity in Azure, or of the app registration.',
        providedBy: 'infra',
    },
    {
        name: 'AZURE_CLIENT_SECRET',
        description: 'Client secret of the app registration, when not using a managed identity. Never logged.',
        providedBy: 'optional',
    },
    {
        name: 'AZURE_CLIENT_CERTIFICATE_PATH',
        description: 'PEM certificate (with key) of the app registration, instead of a secret.',
        providedBy: 'optional',
    },
    {
        name: 'AZURE_AUTHORITY_HOST',
        description: 'Token authority; sovereign clouds and the offline simulator override it.',
        defaultValue: 'https://login.microsoftonline.com',
        providedBy: 'optional',
    },
    {
        name: 'AUTH_MODE',
        description:
            '`auto` (secret, certificate, managed identity in Azure, else developer sign-in), `managed-identity`, `client-secret`, `client-certificate` or `developer`.',
        defaultValue: 'auto',
        providedBy: 'infra',
    },
    {
        name: 'GRAPH_ENDPOINT',
        description: 'Microsoft Graph endpoint; token scope is `<GRAPH_ENDPOINT>/.default`.',
        defaultValue: 'https://graph.microsoft.com',
        providedBy: 'optional',
    },
    {
        name: 'BC_ADMIN_ENDPOINT',
        description:
            'Business Central API endpoint for the admin and automation APIs; scope `<BC_ADMIN_ENDPOINT>/.default`.',
        defaultValue: 'https://api.businesscentral.dynamics.com',
        providedBy: 'optional',
    },
    {
        name: 'BC_ADMIN_API_VERSION',
        description: 'Admin Center API version segment.',
        defaultValue: 'v2.28',
        providedBy: 'optional',
    },
    {
        name: 'SIGNOUT_QUEUE_NAME',
        description: 'Storage queue the HTTP API and ITSM tools put requests on (its poison queue is `<name>-poison`).',
        defaultValue: 'signout-requests',
        providedBy: 'infra',
    },
    {
        name: 'AUDIT_TABLE_PREFIX',
        description: 'Prefix of the audit tables (letters and digits).',
        defaultValue: 'signout',
        providedBy: 'infra',
    },
    {
        name: 'PROTECTED_USERS',
        description:
            'Comma-separated UPNs or object ids that are never touched (break-glass, named admins); `<tenantId>:<entry>` for another served tenant. Every entry must resolve, or nothing runs.',
        defaultValue: '',
        providedBy: 'infra',
    },
    {
        name: 'PROTECTED_GROUP_IDS',
        description:
            'Comma-separated group object ids whose (transitive) members are never touched; `<tenantId>:<id>` for another served tenant. Every group must be readable, or nothing runs.',
        defaultValue: '',
        providedBy: 'infra',
    },
    {
        name: 'PROTECTED_ROLES',
        description:
            "Holders of these directory roles (active assignments, direct or through a role-assignable group) are never touched: `privileged` (Microsoft's privileged roles), `all`, `none`, or role template ids (with `privileged` to add to it).",
        defaultValue: 'privileged',
        providedBy: 'optional',
    },
    {
        name: 'SERVICE_OBJECT_ID',
        description: "Object id of this service's own identity, refused as a target.",
        defaultValue: '',
        providedBy: 'infra',
    },
    {
        name: 'ALLOWED_TENANT_IDS',
        description: 'Comma-separated tenant ids a request may name (`tenantId`); defaults to AZURE_TENANT_ID.',
        defaultValue: '',
        providedBy: 'optional',
    },
    {
        name: 'ALLOWED_CALLER_IDS',
        description:
            'Comma-separated object or app ids allowed to call the HTTP API, on top of the app roles; empty = any caller holding the role. Refuses key-only callers when set.',
        defaultValue: '',
        providedBy: 'infra',
    },
    {
        name: 'WEBSITE_AUTH_ENABLED',
        description:
            'Set to `True` by App Service when its authentication is on: only then is the caller identity header (`x-ms-client-principal`) trusted.',
        providedBy: 'platform',
    },
    {
        name: 'WEBSITE_SITE_NAME',
        description:
            "Set by App Service / Functions in Azure (the app's name): its presence makes AUTH_REQUIRED default to true.",
        providedBy: 'platform',
    },
    {
        name: 'AUTH_REQUIRED',
        description:
            'Whether every HTTP call needs an Entra ID caller (App Service authentication); `false` lets a function key alone call with every role, recorded as unauthenticated. Default: `true` in Azure (WEBSITE_SITE_NAME set), `false` elsewhere.',
        providedBy: 'infra',
    },
    {
        name: 'BULK_THRESHOLD',
        description:
            'A request naming more users than this needs the app role SignOut.Block, as blocking sign-in or disabling BC users does.',
        defaultValue: '50',
        providedBy: 'optional',
    },
    {
        name: 'CALLER_MAX_USERS_PER_HOUR',
        description:
            'Most users one HTTP caller may name across its requests in any hour (dry runs not counted); over it, 429 with Retry-After. At least MAX_USERS_PER_REQUEST.',
        defaultValue: '2000',
        providedBy: 'optional',
    },
    {
        name: 'TENANT_CALLERS',
        description:
            'Comma-separated `<tenant id>=<caller>` pairs: who may name a tenant other than AZURE_TENANT_ID. A caller is an object or app id, a queue name (its messages), or `*`. Empty = nobody.',
        defaultValue: '',
        providedBy: 'optional',
    },
    {
        name: 'CALLBACK_ALLOWED_HOSTS',
        description:
            'Comma-separated https hosts callbacks may go to; `*.example.com` allows sub-domains, `host:8443` another port than 443. Empty = no callbacks.',
        defaultValue: '',
        providedBy: 'infra',
    },
    {
        name: 'MAX_USERS_PER_REQUEST',
        description: 'Most users one request may name (up to 20000; above SHARD_SIZE a request is split into shards).',
        defaultValue: '500',
        providedBy: 'optional',
    },
    {
        name: 'SHARD_SIZE',
        description:
            'A request from the HTTP API or the queue naming more users is split at acceptance into shards of this many, each a work item any instance runs; the request aggregates them and calls back once.',
        defaultValue: '500',
        providedBy: 'optional',
    },
    {
        name: 'SWEEP_SCHEDULE',
        description: 'NCRONTAB schedule (six fields, UTC) of the reconnect sweep and cleanup.',
        defaultValue: '0 */5 * * * *',
        providedBy: 'infra',
    },
    {
        name: 'ACCESS_TOKEN_WINDOW_MINUTES',
        description: 'How long access tokens issued before revocation may still reconnect (Entra default 60-90).',
        defaultValue: '90',
        providedBy: 'optional',
    },
    {
        name: 'BC_CONCURRENCY',
        description:
            "Most concurrent calls per Business Central environment (BC's documented limit is 5); lowered by itself while BC answers 429, raised again as calls succeed. Environments are handled side by side.",
        defaultValue: '5',
        providedBy: 'optional',
    },
    {
        name: 'GRAPH_RESOURCE_UNITS',
        description:
            "Graph's resource units per 10 s for this app in the tenant (3500 small, 5000 medium, 8000 large tenants): `$batch` calls are paced to it and to 3,000 writes per 150 s, with no fixed number in flight.",
        defaultValue: '3500',
        providedBy: 'optional',
    },
    {
        name: 'HTTP_TIMEOUT_MS',
        description: 'Time-out of one outbound call.',
        defaultValue: '30000',
        providedBy: 'optional',
    },
    {
        name: 'REQUEST_DEADLINE_MS',
        description:
            "Time one attempt at a request may take, its callback included; at most host.json's `functionTimeout` minus 60 s for the audit tail (540000). An attempt that would wait longer for a service's quota stops and continues later from a new work item.",
        defaultValue: '240000',
        providedBy: 'optional',
    },
    {
        name: 'PREVIEW_DEADLINE_MS',
        description: 'Time a synchronous preview (dry run) may take.',
        defaultValue: '25000',
        providedBy: 'optional',
    },
    {
        name: 'POISON_REQUEUE_LIMIT',
        description:
            'How often the sweep queues a request from `<queue>-poison` again (counted in its audit trail) before it is `dead-lettered`; 0 = never.',
        defaultValue: '3',
        providedBy: 'optional',
    },
    {
        name: 'AUDIT_SIGNING_KEY',
        description:
            'Optional secret (32+ characters) that makes every audit chain hash an HMAC, so table write access alone cannot rewrite a trail unnoticed; best a Key Vault reference `@Microsoft.KeyVault(SecretUri=...)`. Never logged.',
        providedBy: 'optional',
    },
    {
        name: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
        description:
            'Application Insights resource the app (and the Functions host) sends telemetry to: traces, the `signout.*` metrics and structured logs (docs/operations.md). Empty = no telemetry from the app.',
        providedBy: 'infra',
    },
    {
        name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
        description:
            '`Authorization=AAD;ClientId=<managed identity client id>`: telemetry is sent with an Entra token of that managed identity (Monitoring Metrics Publisher), as a resource with local authentication off requires.',
        providedBy: 'infra',
    },
    {
        name: 'RETENTION_DAYS',
        description:
            'Audit records older than this are purged by the cleanup, except while a hold or watch of theirs is active; at least 367 (the longest hold, 365 days, plus a day of watch).',
        defaultValue: '400',
        providedBy: 'optional',
    },
] as const satisfies readonly SettingDefinition[];

export type SettingName = (typeof SETTINGS)[number]['name'];
