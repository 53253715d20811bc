/** Graph's identity write limit per app and tenant: 3,000 writes per 2.5 minutes (platform-facts §1). */
export const GRAPH_WRITE_QUOTA = { writes: 3000, perMs: 150_000 };
