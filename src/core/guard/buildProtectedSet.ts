import { ServiceError } from '../errors';
import type {
    Directory,
    DirectoryGroup,
    DirectoryUser,
    DirectoryUserRef,
    ItemResult,
    RoleAssignment,
    UserListing,
} from '../ports/directory';
import { ProtectedEntryError } from './guardErrors';
import { PRIVILEGED_ROLES, roleName } from './privilegedRoles';
import { entriesFor, type GuardConfiguration, type ProtectedRoles } from './protectedEntries';
import type { ProtectedSet } from './protectedSet';
import { isNotFound, noAnswer } from '../directoryAnswers';

/**
 * Groups with more members than this are not listed (a few thousand users are a handful of pages): their members
 * are checked per request with `checkMemberGroups` instead.
 */
export const LARGE_GROUP_USERS = 5_000;

const isDenied = (error: ServiceError) => error.statusCode === 403;

/**
 * Resolves everything a tenant protects into one set: each PROTECTED_USERS entry to its user, each
 * PROTECTED_GROUP_IDS entry to a readable group and its transitive members, and every active holder of a protected
 * directory role (directly or through a role-assignable group, platform-facts §10). An entry that does not resolve
 * throws `ProtectedEntryError`; a passing failure throws the service's error.
 */
export async function buildProtectedSet(
    directory: Directory,
    config: GuardConfiguration,
    tenantId: string,
    now: number,
): Promise<ProtectedSet> {
    const userEntries = entriesFor(config.protectedUsers, tenantId, config.homeTenantId);
    const groupEntries = entriesFor(config.protectedGroupIds, tenantId, config.homeTenantId).map((id) =>
        id.toLowerCase(),
    );
    const reasons = new Map<string, string>();
    const add = (user: Pick<DirectoryUserRef, 'id'> & Partial<DirectoryUserRef>, reason: string) => {
        for (const key of [user.id, user.userPrincipalName, user.mail])
            if (key && !reasons.has(key.toLowerCase())) reasons.set(key.toLowerCase(), reason);
    };
    for (const id of config.serviceIdentityIds) add({ id }, "is this service's own identity");

    // The protected groups' members are listed beside everything else, so only groups that hold a role (known once
    // the assignments are in) cost a second wave; a listing is used only for a group that resolved.
    const noListings = new Map<string, ItemResult<UserListing>>();
    const [users, groups, groupListings, assignments] = await Promise.all([
        userEntries.length > 0 ? directory.getUsers(userEntries) : new Map<string, ItemResult<DirectoryUser>>(),
        groupEntries.length > 0 ? directory.getGroups(groupEntries) : new Map<string, ItemResult<DirectoryGroup>>(),
        groupEntries.length > 0 ? directory.listGroupUsers(groupEntries, LARGE_GROUP_USERS) : noListings,
        roleAssignments(directory, config.protectedRoles, tenantId),
    ]);
    for (const entry of userEntries) {
        const user = resolved(users.get(entry), (error) =>
            isNotFound(error)
                ? new ProtectedEntryError('PROTECTED_USERS', entry, tenantId, 'does not resolve to a user')
                : undefined,
        );
        add(user, `is on the protected list (PROTECTED_USERS entry ${entry})`);
    }
    const listed: (DirectoryGroup & { reason: string })[] = [];
    for (const id of groupEntries) {
        const group = resolved(groups.get(id), (error) =>
            isNotFound(error) || isDenied(error)
                ? new ProtectedEntryError(
                      'PROTECTED_GROUP_IDS',
                      id,
                      tenantId,
                      isDenied(error)
                          ? 'cannot be read (grant GroupMember.Read.All)'
                          : 'is not a group in the directory',
                  )
                : undefined,
        );
        listed.push({ ...group, reason: `is a member of protected group ${group.displayName} (${group.id})` });
    }
    for (const { roleTemplateId, principal } of assignments) {
        const role = roleName(roleTemplateId);
        if (principal.kind === 'group')
            listed.push({
                id: principal.id,
                displayName: principal.displayName,
                reason: `holds the directory role ${role} through group ${principal.displayName}`,
            });
        else add(principal, `holds the directory role ${role}`);
    }

    const largeGroups = await addGroupMembers(directory, listed, groupListings, add);
    const warnings =
        userEntries.length === 0 && groupEntries.length === 0
            ? [
                  `tenant ${tenantId} has no PROTECTED_USERS or PROTECTED_GROUP_IDS entries: only directory role holders (PROTECTED_ROLES) and this service are protected there`,
              ]
            : [];
    return { tenantId, builtAt: now, reasons, largeGroups, warnings };
}

async function roleAssignments(
    directory: Directory,
    roles: ProtectedRoles,
    tenantId: string,
): Promise<RoleAssignment[]> {
    if (roles.kind === 'none') return [];
    const templateIds =
        roles.kind === 'all'
            ? 'all'
            : [...new Set([...(roles.privileged ? Object.keys(PRIVILEGED_ROLES) : []), ...roles.templateIds])];
    try {
        return await directory.listRoleAssignments(templateIds);
    } catch (error) {
        if (error instanceof ServiceError && isDenied(error))
            throw new ProtectedEntryError(
                'PROTECTED_ROLES',
                roles.kind === 'all' ? 'all' : 'privileged',
                tenantId,
                'cannot be evaluated: role assignments cannot be read (grant RoleManagement.Read.Directory)',
            );
        throw error;
    }
}

/** Adds each group's members to the set, listing those not listed yet; answers the groups too large to list. */
async function addGroupMembers(
    directory: Directory,
    groups: readonly (DirectoryGroup & { reason: string })[],
    listed: ReadonlyMap<string, ItemResult<UserListing>>,
    add: (user: DirectoryUserRef, reason: string) => void,
): Promise<(DirectoryGroup & { reason: string })[]> {
    const unlisted = [...new Set(groups.map((group) => group.id).filter((id) => !listed.has(id)))];
    const listings =
        unlisted.length > 0
            ? new Map([...listed, ...(await directory.listGroupUsers(unlisted, LARGE_GROUP_USERS))])
            : listed;
    const large: (DirectoryGroup & { reason: string })[] = [];
    for (const group of groups) {
        const listing = resolved(listings.get(group.id), () => undefined);
        if (!listing.complete) large.push(group);
        else for (const user of listing.users) add(user, group.reason);
    }
    return large;
}

/** The value of an answer; a configuration problem when `asEntryError` names one, else the service's error. */
function resolved<T>(answer: ItemResult<T> | undefined, asEntryError: (error: ServiceError) => Error | undefined): T {
    if (answer?.ok) return answer.value;
    const error = answer?.error ?? noAnswer();
    throw asEntryError(error) ?? error;
}
