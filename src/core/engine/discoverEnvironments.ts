import { AuthenticationFailedError, ServiceError } from '../errors';
import type { BcAdmin, BcAutomation, EnvironmentRef } from '../ports/businessCentral';
import type { SignOutRequest } from '../request/signOutRequest';
import { environmentsOfTypes } from './environmentSelection';
import { automationAnswerOf, indexSessions, type AutomationAnswer, type SessionIndex } from './matching';

/** Discovery may join a listing in flight; a verification never does (see `ListingOptions`). */
const SHARED = { shared: true } as const;

/** One environment as a pass sees it: its sessions listed once for all users of the request. */
export interface EnvironmentView {
    ref: EnvironmentRef;
    state: 'active' | 'inactive' | 'not-found' | 'failed';
    /** The service's status for inactive environments (`Upgrading`, `SoftDeleted`, ...). */
    serviceStatus?: string;
    error?: ServiceError;
    /** The sessions by user name, built once. */
    index: SessionIndex;
    /** What the Automation API said about the environment's users; undefined when they were not asked for. */
    automation?: AutomationAnswer;
}

const NO_SESSIONS: SessionIndex = new Map();

export interface DiscoveryOptions {
    environments: 'all' | readonly string[];
    /** With `all`: only environments of these types. */
    environmentTypes?: readonly string[];
    applicationFamily: string;
    needBcUsers: boolean;
}

const ACTIVE = 'active';

/**
 * Lists environments once, then each active environment's sessions (and BC users) once. A named environment that
 * does not exist fails alone with `environment-not-found`; the others go on.
 */
export async function discoverEnvironments(
    bcAdmin: BcAdmin,
    bcAutomation: BcAutomation,
    options: DiscoveryOptions,
): Promise<EnvironmentView[]> {
    const family = options.applicationFamily;
    let listed;
    try {
        listed = await bcAdmin.listEnvironments(family);
    } catch (error) {
        const failure = asServiceError(error);
        const names = options.environments === 'all' ? ['*'] : options.environments;
        return names.map((name) => ({
            ref: { applicationFamily: family, name },
            state: 'failed',
            error: failure,
            index: NO_SESSIONS,
        }));
    }
    const wanted =
        options.environments === 'all'
            ? environmentsOfTypes(listed, options.environmentTypes).map((env) => ({ name: env.name, found: env }))
            : options.environments.map((name) => ({
                  name,
                  found: listed.find((env) => env.name.toLowerCase() === name.toLowerCase()),
              }));
    // Side by side: each environment's calls are bounded by its own limit, in the adapter.
    return Promise.all(
        wanted.map(async ({ name, found }): Promise<EnvironmentView> => {
            const ref = { applicationFamily: family, name: found?.name ?? name };
            if (!found)
                return {
                    ref,
                    state: 'not-found',
                    error: new ServiceError(
                        'bc-admin',
                        404,
                        'environment-not-found',
                        `Environment ${name} does not exist`,
                    ),
                    index: NO_SESSIONS,
                };
            if (found.status.toLowerCase() !== ACTIVE)
                return { ref, state: 'inactive', serviceStatus: found.status, index: NO_SESSIONS };
            // Shards of one request started together share one listing per environment in this process.
            const [sessions, bcUsers] = await Promise.all([
                bcAdmin.listSessions(ref, SHARED).catch(asServiceError),
                options.needBcUsers ? bcAutomation.listUsers(ref.name, SHARED).catch(asServiceError) : undefined,
            ]);
            const automation = bcUsers && { automation: automationAnswerOf(bcUsers) };
            if (sessions instanceof ServiceError)
                return { ref, state: 'failed', error: sessions, index: NO_SESSIONS, ...automation };
            return { ref, state: 'active', index: indexSessions(sessions), ...automation };
        }),
    );
}

/**
 * Fills what a run of this request asks BC for first (the environment listing and each environment's company, both
 * kept per tenant), while the caller still waits for something else, e.g. a cold start's protected set. Named
 * environments' companies are asked for beside the listing, not after it. Failures are left for the run itself to
 * meet and report.
 */
export async function warmUp(
    bcAdmin: BcAdmin,
    bcAutomation: BcAutomation,
    request: Pick<SignOutRequest, 'environments' | 'environmentTypes' | 'applicationFamily'>,
): Promise<void> {
    const listing = bcAdmin.listEnvironments(request.applicationFamily);
    if (request.environments !== 'all') {
        await Promise.all([listing, ...request.environments.map((name) => bcAutomation.prepare(name))]);
        return;
    }
    const listed = environmentsOfTypes(await listing, request.environmentTypes);
    await Promise.all(
        listed.filter((env) => env.status.toLowerCase() === ACTIVE).map((env) => bcAutomation.prepare(env.name)),
    );
}

/** Anything thrown by an adapter becomes a ServiceError the result can report; programming errors still throw. */
export function asServiceError(error: unknown): ServiceError {
    if (error instanceof ServiceError) return error;
    if (error instanceof AuthenticationFailedError) return new ServiceError('identity', 401, error.code, error.message);
    throw error;
}
