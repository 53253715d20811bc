import type { ServiceDependencies } from '../core/service/serviceDependencies';

/**
 * The process's service dependencies, with their adapters and SDKs loaded on the first invocation rather than when
 * the host loads the function entry points: registering the functions needs none of them.
 */
export async function services(): Promise<ServiceDependencies> {
    const { sharedServiceDependencies } = await import('./serviceDependencies');
    return sharedServiceDependencies();
}
