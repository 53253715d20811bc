import { ConfigurationError } from './core/errors';
import { parseTenantEntry, type ProtectedRoles, type TenantEntry } from './core/guard/protectedEntries';
import { GUID_PATTERN, UPN_PATTERN } from './core/request/patterns';
import { MAX_HOLD_MINUTES, MAX_WATCH_MINUTES } from './core/request/limits';
import { SETTINGS, type SettingName } from './settings';

export type StorageConfig =
    | { kind: 'connection-string'; connectionString: string }
    | { kind: 'identity'; queueServiceUri: string; tableServiceUri: string; clientId?: string };

export type AuthMode = 'auto' | 'managed-identity' | 'client-secret' | 'client-certificate' | 'developer';

export interface AppConfig {
    storage: StorageConfig;
    identity: {
        tenantId: string;
        clientId?: string;
        clientSecret?: string;
        certificatePath?: string;
        authorityHost: string;
        mode: AuthMode;
    };
    graphEndpoint: string;
    bcEndpoint: string;
    bcAdminApiVersion: string;
    queueName: string;
    auditTablePrefix: string;
    /** Each maybe qualified with a tenant id (`<tenantId>:<entry>`); unqualified = the home tenant's. */
    protectedUsers: TenantEntry[];
    protectedGroupIds: TenantEntry[];
    protectedRoles: ProtectedRoles;
    serviceObjectId?: string;
    allowedTenantIds: string[];
    allowedCallerIds: string[];
    callers: CallerSettings;
    callbackHosts: string[];
    maxUsersPerRequest: number;
    sweepSchedule: string;
    accessTokenWindowMinutes: number;
    bcConcurrency: number;
    graphResourceUnits: number;
    httpTimeoutInMs: number;
    requestDeadlineInMs: number;
    previewDeadlineInMs: number;
    poisonRequeueLimit: number;
    shardSize: number;
    /** Keys the audit chain (HMAC); never logged. */
    auditSigningKey?: string;
    retentionDays: number;
    /** Where telemetry goes; absent = the app records none. */
    telemetry?: TelemetryConfig;
}

/** Application Insights, as the platform names it: a connection string and how to authenticate. */
export interface TelemetryConfig {
    connectionString: string;
    /** Telemetry is sent with an Entra token of this managed identity; absent = with the instrumentation key alone. */
    managedIdentity?: { clientId?: string };
}

/** Who may call, and how much: App Service authentication, roles, limits and tenants per caller. */
export interface CallerSettings {
    /** App Service authentication is on (`WEBSITE_AUTH_ENABLED=True`): the caller identity header can be trusted. */
    authenticationEnabled: boolean;
    /** Every HTTP call needs an authenticated caller; when false, a function key alone calls with every role. */
    authenticationRequired: boolean;
    bulkThreshold: number;
    maxUsersPerHour: number;
    /** Who may name a tenant other than the home tenant (`TENANT_CALLERS`). */
    tenantCallers: TenantCaller[];
}

export interface TenantCaller {
    tenantId: string;
    /** An object or app id, a queue name, or `*`. */
    callerId: string;
}

/** The most users one request may name, whatever the settings: 20,000 (issue: requests fan out across instances). */
const MAX_USERS_LIMIT = 20_000;

type Environment = Record<string, string | undefined>;

/** host.json's `functionTimeout`: the host stops an invocation after it (a test keeps the two equal). */
export const HOST_FUNCTION_TIMEOUT_MS = 10 * 60_000;
/**
 * What an attempt still does after its deadline: writes the result and its closing event, indexes the users and
 * makes one last callback attempt. The deadline must leave this much before the host's time-out.
 */
const AUDIT_TAIL_MARGIN_MS = 60_000;
const DAY_IN_MINUTES = 1_440;

const AUTH_MODES: readonly AuthMode[] = [
    'auto',
    'managed-identity',
    'client-secret',
    'client-certificate',
    'developer',
];

class SettingsReader {
    constructor(private readonly env: Environment) {}

    raw(name: SettingName): string | undefined {
        const value = this.env[name]?.trim();
        if (value) return value;
        const definition = SETTINGS.find((setting) => setting.name === name);
        return definition && 'defaultValue' in definition ? definition.defaultValue : undefined;
    }

    required(name: SettingName): string {
        const value = this.raw(name);
        if (!value) throw new ConfigurationError(name, 'is required');
        return value;
    }

    optional(name: SettingName): string | undefined {
        return this.raw(name) || undefined;
    }

    guid(name: SettingName): string {
        const value = this.required(name);
        if (!GUID_PATTERN.test(value)) throw new ConfigurationError(name, 'must be a GUID');
        return value.toLowerCase();
    }

    /** An https base URL without a trailing slash; http only for loopback (the offline simulator). */
    endpoint(name: SettingName): string {
        const value = this.required(name);
        let url: URL;
        try {
            url = new URL(value);
        } catch {
            throw new ConfigurationError(name, `must be an absolute URL, got "${value}"`);
        }
        if (url.protocol !== 'https:') throw new ConfigurationError(name, 'must use https');
        if (url.search || url.hash) throw new ConfigurationError(name, 'must not have a query or fragment');
        return url.toString().replace(/\/+$/, '');
    }

    integer(name: SettingName, min: number, max: number): number {
        const value = this.required(name);
        const parsed = Number(value);
        if (!Number.isInteger(parsed) || parsed < min || parsed > max)
            throw new ConfigurationError(name, `must be a whole number from ${min} to ${max}, got "${value}"`);
        return parsed;
    }

    /** `true` or `false` in any case; `fallback` when absent. */
    boolean(name: SettingName, fallback: boolean): boolean {
        const value = this.raw(name)?.toLowerCase();
        if (value === undefined) return fallback;
        if (value !== 'true' && value !== 'false') throw new ConfigurationError(name, 'must be true or false');
        return value === 'true';
    }

    list(name: SettingName, check?: (item: string) => string | undefined): string[] {
        const items = (this.raw(name) ?? '')
            .split(/[,;\s]+/)
            .map((item) => item.trim())
            .filter(Boolean);
        for (const item of items) {
            const problem = check?.(item);
            if (problem) throw new ConfigurationError(name, `"${item}" ${problem}`);
        }
        return items;
    }
}

const mustBeGuid = (item: string) => (GUID_PATTERN.test(item) ? undefined : 'is not a GUID');
const mustBeUserReference = (item: string) =>
    GUID_PATTERN.test(item) || UPN_PATTERN.test(item) ? undefined : 'is neither a UPN nor an object id';

/** A tenant-qualified list entry: the tenant must be one this deployment serves, the value must pass `check`. */
function tenantEntryCheck(check: (value: string) => string | undefined, tenantIds: readonly string[]) {
    return (item: string) => {
        const entry = parseTenantEntry(item);
        if (entry.tenantId && !tenantIds.includes(entry.tenantId))
            return `names tenant ${entry.tenantId}, which is not in ALLOWED_TENANT_IDS`;
        return check(entry.value);
    };
}

/** `privileged` (default), `all`, `none`, or role template ids, optionally with `privileged` (e.g. `privileged,<id>`). */
function readProtectedRoles(settings: SettingsReader): ProtectedRoles {
    const items = settings.list('PROTECTED_ROLES').map((item) => item.toLowerCase());
    if (items.length === 1 && (items[0] === 'all' || items[0] === 'none')) return { kind: items[0] };
    for (const item of items)
        if (item !== 'privileged' && !GUID_PATTERN.test(item))
            throw new ConfigurationError(
                'PROTECTED_ROLES',
                `"${item}" must be privileged, all, none, or a directory role template id (GUID)`,
            );
    if (items.length === 0)
        throw new ConfigurationError('PROTECTED_ROLES', 'is empty; say "none" to protect no directory role holders');
    return {
        kind: 'listed',
        privileged: items.includes('privileged'),
        templateIds: items.filter((item) => item !== 'privileged'),
    };
}
const mustBeHostPattern = (item: string) =>
    /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/i.test(item)
        ? undefined
        : 'is not a host name (e.g. prod-01.westeurope.logic.azure.com, *.service-now.com or hooks.example.com:8443)';

const mustBeCallerId = (item: string) =>
    GUID_PATTERN.test(item) || item === '*' || /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(item)
        ? undefined
        : 'is not an object or app id, a queue name or *';
const mustBeTenantCaller = (item: string) => {
    const [tenantId = '', callerId = '', ...rest] = item.split('=');
    if (rest.length > 0 || !GUID_PATTERN.test(tenantId)) return 'must be <tenant id>=<caller>';
    return mustBeCallerId(callerId);
};

function readCallers(settings: SettingsReader, maxUsersPerRequest: number): CallerSettings {
    // The platform sets WEBSITE_AUTH_ENABLED to `True` when App Service authentication is on (platform-facts §9).
    const authenticationEnabled = settings.optional('WEBSITE_AUTH_ENABLED')?.toLowerCase() === 'true';
    const inAzure = settings.optional('WEBSITE_SITE_NAME') !== undefined;
    return {
        authenticationEnabled,
        authenticationRequired: settings.boolean('AUTH_REQUIRED', inAzure),
        bulkThreshold: settings.integer('BULK_THRESHOLD', 1, 10_000),
        // At least one request's worth, or a request at the limit could never be accepted.
        maxUsersPerHour: settings.integer('CALLER_MAX_USERS_PER_HOUR', maxUsersPerRequest, 5 * MAX_USERS_LIMIT),
        tenantCallers: settings.list('TENANT_CALLERS', mustBeTenantCaller).map((item) => {
            const [tenantId = '', callerId = ''] = item.split('=');
            return { tenantId: tenantId.toLowerCase(), callerId: callerId.toLowerCase() };
        }),
    };
}

const MIN_SIGNING_KEY_LENGTH = 32;

/**
 * The audit signing key. App Service leaves a Key Vault reference it cannot resolve in place, as text: keying the
 * chain with that text would look keyed and protect nothing, so it stops the app instead. The value is never shown.
 */
function readSigningKey(settings: SettingsReader): string | undefined {
    const key = settings.optional('AUDIT_SIGNING_KEY');
    if (key === undefined) return undefined;
    if (/^@Microsoft\.KeyVault\(/i.test(key))
        throw new ConfigurationError(
            'AUDIT_SIGNING_KEY',
            "is a Key Vault reference the platform could not resolve: give the app's identity the Key Vault Secrets User role on the vault and check the secret URI",
        );
    if (key.length < MIN_SIGNING_KEY_LENGTH)
        throw new ConfigurationError(
            'AUDIT_SIGNING_KEY',
            `must be at least ${MIN_SIGNING_KEY_LENGTH} characters (e.g. the output of openssl rand -base64 48)`,
        );
    return key;
}

/** `Key=value` pairs separated by `;`, keys in lower case: the platform's format for both telemetry settings. */
function keyValuePairs(name: SettingName, value: string): Map<string, string> {
    const pairs = new Map<string, string>();
    for (const pair of value.split(';').filter((part) => part.trim())) {
        const at = pair.indexOf('=');
        if (at <= 0) throw new ConfigurationError(name, 'must be Key=value pairs separated by ";"');
        pairs.set(pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim());
    }
    return pairs;
}

function readTelemetry(settings: SettingsReader): TelemetryConfig | undefined {
    const connectionString = settings.optional('APPLICATIONINSIGHTS_CONNECTION_STRING');
    if (!connectionString) return undefined;
    const parts = keyValuePairs('APPLICATIONINSIGHTS_CONNECTION_STRING', connectionString);
    if (!GUID_PATTERN.test(parts.get('instrumentationkey') ?? ''))
        throw new ConfigurationError(
            'APPLICATIONINSIGHTS_CONNECTION_STRING',
            "must be the Application Insights resource's connection string (InstrumentationKey=<GUID>;IngestionEndpoint=...)",
        );
    const authentication = settings.optional('APPLICATIONINSIGHTS_AUTHENTICATION_STRING');
    if (!authentication) return { connectionString };
    const auth = keyValuePairs('APPLICATIONINSIGHTS_AUTHENTICATION_STRING', authentication);
    const clientId = auth.get('clientid');
    if (auth.get('authorization') !== 'AAD' || (clientId !== undefined && !GUID_PATTERN.test(clientId)))
        throw new ConfigurationError(
            'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
            'must be Authorization=AAD, with ClientId=<GUID> for a user-assigned managed identity',
        );
    return { connectionString, managedIdentity: clientId ? { clientId } : {} };
}

function readStorage(settings: SettingsReader): StorageConfig {
    const connectionString = settings.optional('AzureWebJobsStorage');
    if (connectionString) return { kind: 'connection-string', connectionString };
    const queueServiceUri = settings.optional('AzureWebJobsStorage__queueServiceUri');
    const tableServiceUri = settings.optional('AzureWebJobsStorage__tableServiceUri');
    if (!queueServiceUri || !tableServiceUri)
        throw new ConfigurationError(
            'AzureWebJobsStorage',
            'is required (or AzureWebJobsStorage__queueServiceUri and AzureWebJobsStorage__tableServiceUri for a managed identity)',
        );
    const clientId = settings.optional('AzureWebJobsStorage__clientId');
    return { kind: 'identity', queueServiceUri, tableServiceUri, ...(clientId && { clientId }) };
}

/** Reads and validates every setting; the error names the first setting that is wrong. */
export function readConfig(env: Environment = process.env): AppConfig {
    const settings = new SettingsReader(env);
    const tenantId = settings.guid('AZURE_TENANT_ID');
    const mode = settings.required('AUTH_MODE') as AuthMode;
    if (!AUTH_MODES.includes(mode))
        throw new ConfigurationError('AUTH_MODE', `must be one of ${AUTH_MODES.join(', ')}`);
    const clientId = settings.optional('AZURE_CLIENT_ID');
    if (clientId && !GUID_PATTERN.test(clientId)) throw new ConfigurationError('AZURE_CLIENT_ID', 'must be a GUID');
    const clientSecret = settings.optional('AZURE_CLIENT_SECRET');
    const certificatePath = settings.optional('AZURE_CLIENT_CERTIFICATE_PATH');
    if ((mode === 'client-secret' || mode === 'client-certificate') && !clientId)
        throw new ConfigurationError('AZURE_CLIENT_ID', `is required when AUTH_MODE is ${mode}`);
    if (mode === 'client-secret' && !clientSecret)
        throw new ConfigurationError('AZURE_CLIENT_SECRET', 'is required when AUTH_MODE is client-secret');
    if (mode === 'client-certificate' && !certificatePath)
        throw new ConfigurationError(
            'AZURE_CLIENT_CERTIFICATE_PATH',
            'is required when AUTH_MODE is client-certificate',
        );
    if (mode === 'auto' && (clientSecret || certificatePath) && !clientId)
        throw new ConfigurationError(
            'AZURE_CLIENT_ID',
            'is required with AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH',
        );

    const serviceObjectId = settings.optional('SERVICE_OBJECT_ID');
    if (serviceObjectId && !GUID_PATTERN.test(serviceObjectId))
        throw new ConfigurationError('SERVICE_OBJECT_ID', 'must be a GUID');
    const queueName = settings.required('SIGNOUT_QUEUE_NAME');
    if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,55}[a-z0-9]$/.test(queueName))
        throw new ConfigurationError(
            'SIGNOUT_QUEUE_NAME',
            'must be 3-57 lower-case letters, digits and single hyphens',
        );
    const auditTablePrefix = settings.required('AUDIT_TABLE_PREFIX');
    if (!/^[A-Za-z][A-Za-z0-9]{0,39}$/.test(auditTablePrefix))
        throw new ConfigurationError('AUDIT_TABLE_PREFIX', 'must be 1-40 letters and digits, starting with a letter');
    const sweepSchedule = settings.required('SWEEP_SCHEDULE');
    if (sweepSchedule.split(/\s+/).length !== 6)
        throw new ConfigurationError('SWEEP_SCHEDULE', 'must be a six-field NCRONTAB expression, e.g. "0 */5 * * * *"');
    const bcAdminApiVersion = settings.required('BC_ADMIN_API_VERSION');
    if (!/^v\d+\.\d+$/.test(bcAdminApiVersion))
        throw new ConfigurationError('BC_ADMIN_API_VERSION', 'must look like v2.28');
    const allowedTenantIds = settings.list('ALLOWED_TENANT_IDS', mustBeGuid).map((id) => id.toLowerCase());
    const servedTenantIds = allowedTenantIds.length > 0 ? allowedTenantIds : [tenantId];
    const maxUsersPerRequest = settings.integer('MAX_USERS_PER_REQUEST', 1, MAX_USERS_LIMIT);
    const auditSigningKey = readSigningKey(settings);
    const requestDeadlineInMs = settings.integer('REQUEST_DEADLINE_MS', 10_000, 3_600_000);
    const longestDeadline = HOST_FUNCTION_TIMEOUT_MS - AUDIT_TAIL_MARGIN_MS;
    if (requestDeadlineInMs > longestDeadline)
        throw new ConfigurationError(
            'REQUEST_DEADLINE_MS',
            `must leave ${AUDIT_TAIL_MARGIN_MS} ms for the audit tail before host.json's functionTimeout ` +
                `(${HOST_FUNCTION_TIMEOUT_MS} ms): at most ${longestDeadline}, got ${requestDeadlineInMs}`,
        );
    const retentionDays = settings.integer('RETENTION_DAYS', 1, 3_650);
    const telemetry = readTelemetry(settings);
    // A trail must outlast what it records: the longest hold, then the watch after it.
    const shortestRetention = Math.ceil((MAX_HOLD_MINUTES + MAX_WATCH_MINUTES) / DAY_IN_MINUTES) + 1;
    if (retentionDays < shortestRetention)
        throw new ConfigurationError(
            'RETENTION_DAYS',
            `must exceed the longest hold a request may ask for (actions.*.minutes, ${MAX_HOLD_MINUTES / DAY_IN_MINUTES} days) ` +
                `plus the longest watch (watchMinutes, ${MAX_WATCH_MINUTES / DAY_IN_MINUTES} day): at least ${shortestRetention}, got ${retentionDays}`,
        );

    return {
        storage: readStorage(settings),
        identity: {
            tenantId,
            mode,
            authorityHost: settings.endpoint('AZURE_AUTHORITY_HOST'),
            ...(clientId && { clientId }),
            ...(clientSecret && { clientSecret }),
            ...(certificatePath && { certificatePath }),
        },
        graphEndpoint: settings.endpoint('GRAPH_ENDPOINT'),
        bcEndpoint: settings.endpoint('BC_ADMIN_ENDPOINT'),
        bcAdminApiVersion,
        queueName,
        auditTablePrefix,
        protectedUsers: settings
            .list('PROTECTED_USERS', tenantEntryCheck(mustBeUserReference, servedTenantIds))
            .map(parseTenantEntry),
        protectedGroupIds: settings
            .list('PROTECTED_GROUP_IDS', tenantEntryCheck(mustBeGuid, servedTenantIds))
            .map(parseTenantEntry),
        protectedRoles: readProtectedRoles(settings),
        ...(serviceObjectId && { serviceObjectId }),
        allowedTenantIds: servedTenantIds,
        allowedCallerIds: settings.list('ALLOWED_CALLER_IDS', mustBeGuid).map((id) => id.toLowerCase()),
        callers: readCallers(settings, maxUsersPerRequest),
        callbackHosts: settings.list('CALLBACK_ALLOWED_HOSTS', mustBeHostPattern),
        maxUsersPerRequest,
        sweepSchedule,
        accessTokenWindowMinutes: settings.integer('ACCESS_TOKEN_WINDOW_MINUTES', 0, 1_440),
        bcConcurrency: settings.integer('BC_CONCURRENCY', 1, 5),
        graphResourceUnits: settings.integer('GRAPH_RESOURCE_UNITS', 100, 100_000),
        httpTimeoutInMs: settings.integer('HTTP_TIMEOUT_MS', 1_000, 300_000),
        requestDeadlineInMs,
        previewDeadlineInMs: settings.integer('PREVIEW_DEADLINE_MS', 1_000, 230_000),
        poisonRequeueLimit: settings.integer('POISON_REQUEUE_LIMIT', 0, 10),
        shardSize: settings.integer('SHARD_SIZE', 50, 5_000),
        ...(auditSigningKey && { auditSigningKey }),
        retentionDays,
        ...(telemetry && { telemetry }),
    };
}

let cached: AppConfig | undefined;

/** The process's configuration, read once. */
export function appConfig(): AppConfig {
    cached ??= readConfig();
    return cached;
}
