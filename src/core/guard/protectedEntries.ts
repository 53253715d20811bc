/**
 * What the configuration protects, per tenant. An entry may be qualified with a tenant id (`<tenantId>:<entry>`);
 * an unqualified entry belongs to the home tenant (AZURE_TENANT_ID).
 */
export interface TenantEntry {
    tenantId?: string;
    value: string;
}

/** Which directory roles make their holders protected: none, every role, or the privileged list and/or named ones. */
export type ProtectedRoles =
    { kind: 'none' } | { kind: 'all' } | { kind: 'listed'; privileged: boolean; templateIds: readonly string[] };

export interface GuardConfiguration {
    homeTenantId: string;
    protectedUsers: readonly TenantEntry[];
    protectedGroupIds: readonly TenantEntry[];
    protectedRoles: ProtectedRoles;
    /** Ids of this service's own identity (app id, service principal object id): never a target. */
    serviceIdentityIds: readonly string[];
}

/** `<tenantId>:<entry>` or `<entry>`; the tenant part is a GUID, so a UPN (which has no `:`) is never misread. */
export function parseTenantEntry(text: string): TenantEntry {
    const match = /^([0-9a-fA-F-]{36}):(.+)$/.exec(text);
    return match ? { tenantId: (match[1] as string).toLowerCase(), value: match[2] as string } : { value: text };
}

/** The entries that apply in `tenantId`, each once. */
export function entriesFor(entries: readonly TenantEntry[], tenantId: string, homeTenantId: string): string[] {
    const wanted = tenantId.toLowerCase();
    const values = entries
        .filter((entry) => (entry.tenantId ?? homeTenantId.toLowerCase()) === wanted)
        .map((entry) => entry.value);
    return [...new Map(values.map((value) => [value.toLowerCase(), value])).values()];
}
