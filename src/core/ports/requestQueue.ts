/**
 * What the service queues: a pointer to a request (or a shard of one) already claimed in the audit store.
 * `continuation` counts the times an attempt handed the request on to a later message rather than wait for a
 * service's quota inside one invocation.
 */
export interface WorkItem {
    workItem: { requestId: string; continuation?: number };
}

export interface PoisonMessage {
    messageId: string;
    popReceipt: string;
    text: string;
    dequeueCount: number;
    insertedOn?: string;
}

export interface RequestQueue {
    /** `visibleInMs`: the message stays hidden that long (a continuation waits for a quota to refill). */
    enqueue(item: WorkItem, options?: { visibleInMs?: number }): Promise<void>;
    /** Messages the host gave up on (`<queue>-poison`), hidden while being reported. */
    receivePoison(max: number): Promise<PoisonMessage[]>;
    deletePoison(message: PoisonMessage): Promise<void>;
}
