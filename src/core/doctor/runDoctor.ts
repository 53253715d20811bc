import { mapWithConcurrency } from '../concurrency';
import { AuthenticationFailedError, ConfigurationError, ServiceError } from '../errors';
import type { BcEnvironment } from '../ports/businessCentral';
import type { TenantServices } from '../service/serviceDependencies';
import { heapCheck } from './heapCheck';
import { permissionNeeds, type PermissionNeed } from './permissions';
import type { DoctorProbes, TokenGrant, TokenResource } from './probes';

/** pass: works; fail: needed and not working; warn: optional, or worth a look; skip: not checked, and why. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface DoctorCheck {
    /** The tenant the check is about; absent for what the deployment shares (storage, clock). */
    tenantId?: string;
    title: string;
    status: CheckStatus;
    /** What was seen. */
    detail: string;
    /** What to do, when something is to be done. */
    fix?: string;
}

export interface DoctorReport {
    /** Every needed prerequisite passes. */
    ok: boolean;
    checkedAt: string;
    checks: DoctorCheck[];
}

const APPLICATION_FAMILY = 'BusinessCentral';
const ENVIRONMENTS_AT_ONCE = 4;
/** Up to this much apart, the clocks agree (a `Date` header has whole seconds, and the answer took a while). */
const CLOCK_AGREES_WITHIN_MS = 30_000;
/** Beyond this, tokens and signed storage requests start being refused, and holds and watches end at wrong times. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const RESOURCE_LABELS: Record<TokenResource, string> = { graph: 'Microsoft Graph', bc: 'Business Central' };

/**
 * Checks every prerequisite of the service by its effect, per served tenant (tokens and their permissions, the
 * admin center, each environment's Automation API, the protected set), then storage and the clock. A check that
 * cannot be evaluated fails: nothing is reported as working that was not seen working.
 */
export async function runDoctor(probes: DoctorProbes): Promise<DoctorReport> {
    const checkedAt = probes.now();
    const checks: DoctorCheck[] = [];
    for (const tenantId of probes.tenantIds) checks.push(...(await tenantChecks(tenantId, probes)));
    checks.push(...(await Promise.all([tablesCheck(probes), queueCheck(probes), clockCheckOf(probes)])));
    if (probes.workerHeap) checks.push(heapCheck(probes.workerHeap));
    return { ok: checks.every((check) => check.status !== 'fail'), checkedAt: checkedAt.toISOString(), checks };
}

async function tenantChecks(tenantId: string, probes: DoctorProbes): Promise<DoctorCheck[]> {
    const services = probes.tenantServices(tenantId, probes.now().getTime() + probes.deadlineInMs);
    const needs = permissionNeeds(probes.protectedRoles);
    const [graph, bc, adminCenter, guard] = await Promise.all([
        grantChecks(tenantId, 'graph', needs, probes),
        grantChecks(tenantId, 'bc', needs, probes),
        adminCenterCheck(tenantId, services, probes),
        protectedSetChecks(tenantId, probes),
    ]);
    const automationGranted = bc.roles === undefined || bc.roles.has('Automation.ReadWrite.All');
    const environments = adminCenter.environments
        ? await mapWithConcurrency(adminCenter.environments, ENVIRONMENTS_AT_ONCE, (env) =>
              automationCheck(tenantId, env, automationGranted, services, probes),
          )
        : [];
    return [...graph.checks, ...bc.checks, adminCenter.check, ...environments, ...guard].map((check) => ({
        tenantId,
        ...check,
    }));
}

/** The token's roles against what the configuration needs; `roles` is undefined when they could not be read. */
async function grantChecks(
    tenantId: string,
    resource: TokenResource,
    needs: readonly PermissionNeed[],
    probes: DoctorProbes,
): Promise<{ checks: DoctorCheck[]; roles?: Set<string> }> {
    const label = RESOURCE_LABELS[resource];
    let grant;
    try {
        grant = await probes.tokenGrant(tenantId, resource);
    } catch (error) {
        grant = { kind: 'none' as const, error };
    }
    if (grant.kind !== 'application') return { checks: [{ title: `${label}: app token`, ...unusableGrant(grant) }] };
    const roles = new Set(grant.roles);
    const checks = needs
        .filter((need) => need.resource === resource)
        .map((need): DoctorCheck => {
            const title = `${label} permission ${need.permission}${need.needed ? '' : ' (optional)'}`;
            if (roles.has(need.permission)) return { title, status: 'pass', detail: `granted: ${need.usedFor}` };
            const principal = grant.servicePrincipalId ?? '<service principal object id>';
            return {
                title,
                status: need.needed ? 'fail' : 'warn',
                detail: `not granted: ${need.without}`,
                fix: `grant it (docs/permissions.md): ./scripts/grant-permissions.sh ${principal}${need.grantSwitch ? ` ${need.grantSwitch}` : ''}`,
            };
        });
    return { checks, roles };
}

/** Why a token's permissions could not be checked: no token, one issued to a person, or one that cannot be read. */
function unusableGrant(
    grant: Exclude<TokenGrant, { kind: 'application' }> | { kind: 'none'; error: unknown },
): Omit<DoctorCheck, 'title'> {
    switch (grant.kind) {
        case 'none':
            return {
                status: 'fail',
                detail: `no token was issued (${failureOf(grant.error)})`,
                fix: 'check the credential settings (AUTH_MODE, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH) and that the app is consented in this tenant',
            };
        case 'delegated':
            return {
                status: 'warn',
                detail: 'signed in as a person (delegated): calls carry that person’s own admin roles, so the app’s permissions are not checked here',
                fix: 'run the doctor with the app’s credentials, or call GET /api/doctor on the deployed app',
            };
        case 'unreadable':
            return {
                status: 'fail',
                detail: 'the token is not readable, so the permissions it carries are unknown',
                fix: 'check the permissions in Entra ID (Enterprise applications → the app → Permissions) against docs/permissions.md',
            };
    }
}

async function adminCenterCheck(
    tenantId: string,
    services: TenantServices,
    probes: DoctorProbes,
): Promise<{ check: DoctorCheck; environments?: BcEnvironment[] }> {
    const title = 'Business Central admin center lists environments';
    try {
        const environments = await services.bcAdmin.listEnvironments(APPLICATION_FAMILY);
        return {
            check: { title, status: 'pass', detail: `${environments.length} environment(s)` },
            environments,
        };
    } catch (error) {
        return {
            check: {
                title,
                status: 'fail',
                detail: `${refused(error) ? 'refused' : 'no answer'} (${failureOf(error)})`,
                fix: refused(error)
                    ? `add the app${appNamed(probes)} on the admin center's Authorized Microsoft Entra apps page (https://businesscentral.dynamics.com/${tenantId}/admin), and grant it AdminCenter.ReadWrite.All`
                    : 'try again; if it persists, check BC_ADMIN_ENDPOINT and BC_ADMIN_API_VERSION',
            },
        };
    }
}

async function automationCheck(
    tenantId: string,
    env: BcEnvironment,
    granted: boolean,
    services: TenantServices,
    probes: DoctorProbes,
): Promise<DoctorCheck> {
    const title = `${env.name}: the Automation API answers`;
    if (env.status.toLowerCase() !== 'active')
        return { title, status: 'skip', detail: `${env.status}: only active environments are acted in` };
    if (!granted)
        return {
            title,
            status: 'skip',
            detail: 'Automation.ReadWrite.All is not granted: sessions are matched by name here',
        };
    try {
        const users = await services.bcAutomation.listUsers(env.name);
        return { title, status: 'pass', detail: `${users.length} BC user(s)` };
    } catch (error) {
        return {
            title,
            status: 'fail',
            detail: `${refused(error) ? 'refused' : 'no answer'} (${failureOf(error)})`,
            fix: refused(error)
                ? `add the app${appNamed(probes)} on the environment's Microsoft Entra Applications page (https://businesscentral.dynamics.com/${tenantId}/${env.name}), State Enabled, permission set D365 AUTOMATION`
                : 'try again; an environment being updated answers again when it is done',
        };
    }
}

async function protectedSetChecks(tenantId: string, probes: DoctorProbes): Promise<DoctorCheck[]> {
    const title = 'Protected accounts resolve';
    try {
        const set = await probes.protectedSet(tenantId);
        const large = set.largeGroups.length > 0 ? `, ${set.largeGroups.length} large group(s) checked per user` : '';
        return [
            { title, status: 'pass', detail: `every protected entry resolves${large}` },
            ...set.warnings.map((warning): DoctorCheck => ({ title, status: 'warn', detail: warning })),
        ];
    } catch (error) {
        if (error instanceof ConfigurationError)
            return [
                {
                    title,
                    status: 'fail',
                    detail: error.message,
                    fix: `correct or remove the entry in ${error.setting}; nothing runs until it resolves`,
                },
            ];
        return [
            {
                title,
                status: 'fail',
                detail: `could not be evaluated (${failureOf(error)})`,
                fix: 'nothing runs until it can be: check the Graph permissions above, then try again',
            },
        ];
    }
}

async function tablesCheck(probes: DoctorProbes): Promise<DoctorCheck> {
    return storageCheck(
        'Audit tables reachable',
        probes.checkTables,
        'check AzureWebJobsStorage (or AzureWebJobsStorage__tableServiceUri), and that the identity holds Storage Table Data Contributor',
    );
}

async function queueCheck(probes: DoctorProbes): Promise<DoctorCheck> {
    return storageCheck(
        'Request queue reachable',
        probes.checkQueue,
        'check AzureWebJobsStorage (or AzureWebJobsStorage__queueServiceUri), and that the identity holds Storage Queue Data Contributor',
    );
}

async function storageCheck(title: string, check: () => Promise<void>, fix: string): Promise<DoctorCheck> {
    try {
        await check();
        return { title, status: 'pass', detail: 'opened and read' };
    } catch (error) {
        return { title, status: 'fail', detail: `unreachable (${failureOf(error)})`, fix };
    }
}

async function clockCheckOf(probes: DoctorProbes): Promise<DoctorCheck> {
    try {
        const { at, source } = await probes.serviceTime(probes.homeTenantId);
        return clockCheck(probes.now(), at, source);
    } catch (error) {
        return {
            title: 'Clock',
            status: 'fail',
            detail: `no service time could be read (${failureOf(error)})`,
            fix: 'check AZURE_AUTHORITY_HOST and the network',
        };
    }
}

/** This machine's clock against a service's `Date`: holds, watches and token lifetimes are read from it. */
export function clockCheck(now: Date, serviceTime: Date, source: string): DoctorCheck {
    const skew = now.getTime() - serviceTime.getTime();
    const seconds = Math.round(Math.abs(skew) / 1000);
    const title = 'Clock';
    if (Math.abs(skew) <= CLOCK_AGREES_WITHIN_MS)
        return { title, status: 'pass', detail: `within ${seconds} s of ${source}` };
    return {
        title,
        status: Math.abs(skew) > MAX_CLOCK_SKEW_MS ? 'fail' : 'warn',
        detail: `${seconds} s ${skew > 0 ? 'ahead of' : 'behind'} ${source}`,
        fix: 'synchronise this machine’s clock (NTP): holds and watches end by it, and tokens and signed storage requests are refused when it is minutes off',
    };
}

const refused = (error: unknown) =>
    error instanceof ServiceError && (error.statusCode === 401 || error.statusCode === 403);

const appNamed = (probes: DoctorProbes) => (probes.clientId ? ` (client id ${probes.clientId})` : '');

/** Names what failed by codes only, never by a message that could carry a secret. */
function failureOf(error: unknown): string {
    if (error instanceof ServiceError)
        return [error.service, error.statusCode, error.code].filter((part) => part !== undefined).join(' ');
    if (error instanceof AuthenticationFailedError) return error.code;
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string') return code;
    return error instanceof Error ? error.name : 'error';
}
