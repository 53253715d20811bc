import type { RequestRecord } from '../../../src/core/ports/auditStore';
import { requestStatusOf } from '../../../src/core/engine/requestStatus';
import type { TenantSimulator } from '../../simulator';
import { sessionsLeft } from './simulatorEvidence';

const SESSIONS_SYSTEM = /^bc\.(.+)\.sessions$/;

/**
 * Where a finished request's record contradicts the simulator: a revocation reported done that Entra never saw,
 * sessions reported cancelled that are still there, failures reported for sessions that are all gone, or a status
 * that does not follow from the users' outcomes. An empty list means the status tells the truth.
 */
export function contradictions(record: RequestRecord, simulator: TenantSimulator): string[] {
    const problems: string[] = [];
    const result = record.result;
    if (!result) return [`${record.requestId}: state ${record.state} without a result`];
    if (result.status !== record.state)
        problems.push(`${record.requestId}: state ${record.state}, result ${result.status}`);
    const expected = requestStatusOf(result.users);
    if (expected !== result.status)
        problems.push(`${record.requestId}: status ${result.status}, outcomes say ${expected}`);
    for (const user of result.users) {
        const entra = user.objectId ? simulator.state.users.get(user.objectId) : undefined;
        for (const system of user.systems) {
            const label = `${record.requestId} ${user.user} ${system.system}=${system.status}`;
            if (system.system === 'entra.revoke' && system.status === 'succeeded' && entra?.revokedAt === undefined)
                problems.push(`${label} but Entra shows no revocation`);
            const environment = SESSIONS_SYSTEM.exec(system.system)?.[1];
            const bcUserName = environment ? user.bcUserNames?.[environment] : undefined;
            if (!environment || !bcUserName) continue;
            const left = sessionsLeft(simulator, environment, bcUserName);
            if (system.status === 'succeeded' && left > 0) problems.push(`${label} but ${left} session(s) remain`);
            if (system.code === 'sessions-remain' && left === 0) problems.push(`${label} but no session remains`);
        }
    }
    return problems;
}
