import type { SignOutResult } from '../src/core/result';
import { bulkUserId, bulkUserName, type TenantSimulator } from '../test/simulator';

export interface CorrectnessChecks {
    /** Users whose sessions were revoked exactly once, as the simulator recorded the successful revocations. */
    revokedOnce: number;
    /** Users revoked more than once, or never. */
    revokedTwice: number;
    notRevoked: number;
    /** Sessions of the requested users still in some environment. */
    sessionsLeft: number;
    /** The result says every user was processed with every step succeeded, and the simulator agrees. */
    resultAgrees: boolean;
    problems: string[];
}

/**
 * What the simulator saw against what the result says, for users 1..N of the bulk fixture: every session gone, each
 * user revoked exactly once, and a result that claims no more and no less than that.
 */
export function checkOutcome(
    simulator: TenantSimulator,
    users: number,
    result: SignOutResult | undefined,
): CorrectnessChecks {
    const revocations = new Map<string, number>();
    for (const call of simulator.calls)
        if (call.method === 'POST' && call.path.endsWith('revokeSignInSessions') && call.status < 300 && call.userId)
            revocations.set(call.userId, (revocations.get(call.userId) ?? 0) + 1);
    let revokedOnce = 0;
    let revokedTwice = 0;
    for (let n = 1; n <= users; n++) {
        const count = revocations.get(bulkUserId(n)) ?? 0;
        if (count === 1) revokedOnce++;
        else if (count > 1) revokedTwice++;
    }
    const names = new Set(Array.from({ length: users }, (_, index) => bulkUserName(index + 1)));
    const sessionsLeft = simulator.state.environments.reduce(
        (sum, environment) => sum + environment.sessions.filter((session) => names.has(session.userId)).length,
        0,
    );
    const problems: string[] = [];
    if (!result) problems.push('no result');
    else {
        if (result.users.length !== users) problems.push(`result has ${result.users.length} users, not ${users}`);
        const failedSteps = result.users.flatMap((user) =>
            user.systems
                .filter((system) => system.status === 'failed')
                .map((system) => `${user.user} ${system.system}`),
        );
        if (failedSteps.length > 0) problems.push(`${failedSteps.length} failed steps, e.g. ${failedSteps[0]}`);
        const claimed = result.users.filter((user) =>
            user.systems.some((system) => system.system === 'entra.revoke' && system.status === 'succeeded'),
        ).length;
        if (claimed !== revokedOnce + revokedTwice)
            problems.push(`result says ${claimed} revoked, the simulator saw ${revokedOnce + revokedTwice}`);
        if (result.status === 'completed' && sessionsLeft > 0)
            problems.push(`completed, but ${sessionsLeft} sessions are left`);
    }
    if (revokedTwice > 0) problems.push(`${revokedTwice} users revoked more than once`);
    return {
        revokedOnce,
        revokedTwice,
        notRevoked: users - revokedOnce - revokedTwice,
        sessionsLeft,
        resultAgrees: problems.length === 0,
        problems,
    };
}
