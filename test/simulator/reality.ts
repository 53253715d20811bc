import type { SimulatorClock } from './clock';
import type { BcEnvironmentRecord, BcSessionRecord, EntraUserRecord, TenantState } from './state';

export interface RealityOptions {
    /** How long access tokens issued before a revocation or block keep working (platform-facts §4). */
    accessTokenWindowMs: number;
    /** How long after a cancel the user presses Refresh. */
    reconnectDelayMs: number;
}

/**
 * What happens after the APIs answer: cancelling a BC session signs nobody out. The web client asks the user to
 * refresh, and the refresh reconnects while the user's tokens still work (platform-facts §2, §4).
 */
export class RealityModel {
    constructor(
        private readonly state: TenantState,
        private readonly clock: SimulatorClock,
        private readonly options: RealityOptions,
    ) {}

    /** Removes a session and schedules its user's reconnect; false when there is no such session. */
    cancelSession(env: BcEnvironmentRecord, sessionId: number): boolean {
        const index = env.sessions.findIndex((session) => session.sessionId === sessionId);
        if (index < 0) return false;
        const [session] = env.sessions.splice(index, 1) as [BcSessionRecord];
        this.state.pendingReconnects.push({
            environmentName: env.name,
            userId: session.userId,
            clientType: session.clientType,
            dueAt: this.clock.now() + this.options.reconnectDelayMs,
        });
        return true;
    }

    /**
     * Resolves pending reconnects that are due (all of them when `ignoreDelay`): each becomes a new session when the
     * user can still reconnect now, or is dropped (the refresh failed and the user met a sign-in page).
     */
    materialise(ignoreDelay = false): void {
        const now = this.clock.now();
        const pending = this.state.pendingReconnects;
        for (let i = 0; i < pending.length;) {
            const reconnect = pending[i]!;
            if (!ignoreDelay && reconnect.dueAt > now) {
                i++;
                continue;
            }
            pending.splice(i, 1);
            const env = this.state.findEnvironment(reconnect.environmentName);
            if (env && this.canReconnect(env, reconnect.userId, now)) {
                this.state.newSession(env, reconnect.userId, reconnect.clientType, now);
            }
        }
    }

    /**
     * A user reconnects when the environment is Active, the BC user exists and is Enabled, and the Entra side still
     * lets tokens work: never revoked nor blocked, or revoked/blocked less than `accessTokenWindowMs` ago. Revoking a
     * guest has no effect (platform-facts §1); blocking a guest's sign-in does.
     */
    canReconnect(env: BcEnvironmentRecord, userName: string, now = this.clock.now()): boolean {
        if (env.status !== 'Active') return false;
        const bcUser = this.state.findBcUser(env, userName);
        if (!bcUser || bcUser.state !== 'Enabled') return false;
        const entraUser = this.state.linkedEntraUser(bcUser);
        if (!entraUser) return true;
        const cutoff = this.tokenCutoff(entraUser);
        return cutoff === undefined || now < cutoff + this.options.accessTokenWindowMs;
    }

    /** When the user's tokens stopped being renewed; -Infinity for an account blocked before the simulator started. */
    private tokenCutoff(user: EntraUserRecord): number | undefined {
        const cutoffs: number[] = [];
        if (user.revokedAt !== undefined && user.userType !== 'Guest') cutoffs.push(user.revokedAt);
        if (!user.accountEnabled) cutoffs.push(user.blockedAt ?? -Infinity);
        return cutoffs.length > 0 ? Math.min(...cutoffs) : undefined;
    }
}
