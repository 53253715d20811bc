import { filterCalls, type RecordedCall, type ServiceName } from './callLog';
import { createClock, type SimulatorClock } from './clock';
import { FaultInjector } from './faults';
import { defaultFixture } from './fixture';
import { resolveBehaviour, type SimulatorBehaviour, type SimulatorOptions } from './options';
import { seededRandom } from './random';
import { RealityModel } from './reality';
import { SimulatorServer } from './server';
import { TenantState, type BcSessionRecord } from './state';
import { RESOURCE_PREFIXES, TokenService } from './tokenService';
import { ResourceUnitQuota, WriteQuota } from './writeQuota';

export { parseUsDateTime, usDateTime } from './bcFormat';
export { etagOf } from './bcAutomationRoutes';
export type { RecordedCall, ServiceName } from './callLog';
export type { SimulatorClock } from './clock';
export type { FaultInjector, FaultKind, FaultRule } from './faults';
export * from './fixture';
export type { SimulatorBehaviour, SimulatorOptions } from './options';
export { servicePrincipalIdOf } from './tokenService';
export {
    TenantState,
    type BcEnvironmentRecord,
    type BcSessionRecord,
    type BcUserRecord,
    type EntraUserRecord,
    type GroupRecord,
    type PendingReconnect,
} from './state';

/** A running fake of the Microsoft cloud the app talks to. */
export interface TenantSimulator {
    /** `https://127.0.0.1:<port>`. */
    url: string;
    tenantId: string;
    clientId: string;
    clientSecret: string;
    /** App settings that point the app at the simulator. */
    settings(): Record<string, string>;
    /** Live, inspectable and mutable model of the tenant. */
    state: TenantState;
    /** Live options; change them to switch answer shapes on a running simulator. */
    behaviour: SimulatorBehaviour;
    /** Every call, in arrival order; `$batch` items also one by one with `viaBatch: true`. */
    calls: RecordedCall[];
    /** Calls to one service, optionally by method and by path (RegExp or substring). */
    callsTo(service: ServiceName, method?: string, pathPattern?: RegExp | string): RecordedCall[];
    faults: FaultInjector;
    /** Simulator time = real time + offset; `advance` closes windows without waiting. */
    clock: SimulatorClock;
    /** A new session of a BC user appears in an environment. */
    addSession(environment: string, bcUserName: string, clientType?: string): BcSessionRecord;
    /** Resolves every pending reconnect now, ignoring the delay: allowed ones appear as new sessions. */
    materialiseReconnects(): void;
    /** Every access token handed out (tests assert none leaks into logs). */
    issuedTokens(): string[];
    /** Makes every token handed out so far expired: the next call with one answers 401. */
    expireTokens(): void;
    close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<TenantSimulator> {
    const clock = createClock();
    const behaviour = resolveBehaviour(options);
    const state = new TenantState(options.fixture ?? defaultFixture(), clock);
    const tokens = new TokenService(state, behaviour);
    const faults = new FaultInjector();
    const reality = new RealityModel(state, clock, behaviour);
    const calls: RecordedCall[] = [];
    const server = new SimulatorServer({
        state,
        clock,
        behaviour,
        faults,
        calls,
        tokens,
        reality,
        quota: new WriteQuota(clock, () => behaviour.graphWriteQuota),
        unitQuota: new ResourceUnitQuota(clock, () => behaviour.graphResourceUnitQuota),
        random: seededRandom(options.seed ?? 1),
    });
    const url = await server.listen(options.port ?? 0);
    return {
        url,
        tenantId: state.tenantId,
        clientId: state.clientId,
        clientSecret: state.clientSecret,
        settings: () => ({
            AZURE_TENANT_ID: state.tenantId,
            AZURE_CLIENT_ID: state.clientId,
            AZURE_CLIENT_SECRET: state.clientSecret,
            AZURE_AUTHORITY_HOST: url,
            GRAPH_ENDPOINT: `${url}${RESOURCE_PREFIXES.graph}`,
            BC_ADMIN_ENDPOINT: `${url}${RESOURCE_PREFIXES.bc}`,
            AUTH_MODE: 'client-secret',
        }),
        state,
        behaviour,
        calls,
        callsTo: (service, method, pathPattern) => filterCalls(calls, service, method, pathPattern),
        faults,
        clock,
        addSession: (environment, bcUserName, clientType = 'WebClient') =>
            state.newSession(state.environment(environment), bcUserName, clientType),
        materialiseReconnects: () => reality.materialise(true),
        issuedTokens: () => tokens.issuedTokens(),
        expireTokens: () => tokens.expireAll(),
        close: () => server.close(),
    };
}
