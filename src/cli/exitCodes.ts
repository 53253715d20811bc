import type { RequestState } from '../core/result';

/**
 * The documented exit codes (docs/cli.md). 1 is left to Node itself (a crash before `main` runs), so a script can
 * tell a refused or failed sign-out from a broken installation.
 */
export const EXIT = {
    /** The request completed: every user done in every system. */
    done: 0,
    /** Some users or systems were done, others not. */
    partial: 2,
    /** Nothing could be done, or the run itself failed (storage, credentials, a broken audit chain). */
    failed: 3,
    /** Refused before anything ran: bad input, a usage error, a wrong setting, an unknown request id. */
    invalid: 4,
    /** `status` of a request that is still queued or running. */
    notFinished: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code a request's state stands for. */
export function exitCodeOfState(state: RequestState): ExitCode {
    switch (state) {
        case 'completed':
            return EXIT.done;
        case 'partial':
            return EXIT.partial;
        case 'failed':
        case 'dead-lettered':
            return EXIT.failed;
        case 'rejected':
            return EXIT.invalid;
        case 'accepted':
        case 'running':
            return EXIT.notFinished;
    }
}
