export type CallbackOutcome =
    | { delivered: true; status: number; attempts: number }
    | { delivered: false; reason: string; status?: number; attempts: number };

export interface CallbackOptions {
    /** The request's deadline (ms since 1970): no attempt and no wait goes past it. */
    deadlineAt?: number;
}

export interface Callbacks {
    send(url: string, payload: unknown, options?: CallbackOptions): Promise<CallbackOutcome>;
}
