/** What the HTTP API queues: a pointer to a request already claimed in the audit store. */
export interface WorkItem {
    workItem: { requestId: string };
}

export interface PoisonMessage {
    messageId: string;
    popReceipt: string;
    text: string;
    dequeueCount: number;
    insertedOn?: string;
}

export interface RequestQueue {
    enqueue(item: WorkItem): Promise<void>;
    /** Messages the host gave up on (`<queue>-poison`), hidden while being reported. */
    receivePoison(max: number): Promise<PoisonMessage[]>;
    deletePoison(message: PoisonMessage): Promise<void>;
}
