export type CallbackOutcome =
    | { delivered: true; status: number; attempts: number }
    | { delivered: false; reason: string; status?: number; attempts: number };

export interface Callbacks {
    send(url: string, payload: unknown): Promise<CallbackOutcome>;
}
