import type { RequestStatus, UserResult } from '../result';

/** A user is done when it was processed and none of its systems failed. */
function userDone(user: UserResult): boolean {
    return user.outcome === 'processed' && user.systems.every((system) => system.status !== 'failed');
}

/**
 * `completed` when every user is done; `failed` when nothing was (or, in a dry run, would be) achieved for anyone;
 * `partial` otherwise, so a requester never reads a half-done sign-out as done.
 */
export function requestStatusOf(users: readonly UserResult[]): RequestStatus {
    if (users.every(userDone)) return 'completed';
    const achieved = users.some((user) =>
        user.systems.some((system) => system.status === 'succeeded' || system.status === 'would-do'),
    );
    return achieved ? 'partial' : 'failed';
}
