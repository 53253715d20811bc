import { hostname, userInfo } from 'node:os';
import type { Caller } from '../core/ports/auditStore';

/** The signed-in operating-system user; `userInfo` throws for a uid without a passwd entry (some containers). */
function osUser(env: Record<string, string | undefined>): string {
    try {
        return userInfo().username;
    } catch {
        return env.USER ?? env.USERNAME ?? 'unknown';
    }
}

/** Who ran the CLI, as the audit trail records it: `<os user>@<host>`. */
export function cliCaller(env: Record<string, string | undefined>): Caller {
    return { kind: 'cli', id: `${osUser(env)}@${hostname()}` };
}

/** The lease owner of this process: a request or the sweep is held by one CLI run at a time. */
export function cliLeaseOwner(): string {
    return `cli:${hostname()}:${process.pid}`;
}
