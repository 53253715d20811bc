import type { Client } from '@microsoft/microsoft-graph-client';
import { ServiceError } from '../../core/errors';
import { chunk } from '../../core/concurrency';
import type {
    AccountEnabledChange,
    Directory,
    DirectoryGroup,
    DirectoryUser,
    DirectoryUserRef,
    ItemResult,
    LookUpAndRevoke,
    RoleAssignment,
    UserListing,
} from '../../core/ports/directory';
import { GUID_PATTERN, UPN_LOCAL_PART_PATTERN } from '../../core/request/patterns';
import { encodePathSegment } from '../http/encodePathSegment';
import { runBatched, type BatchAnswer, type BatchStep, type GraphBatchOptions } from './graphBatch';
import { graphItemError, readAllPages, type PagedItems, type PagedRead } from './pagedReads';

/** `signInSessionsValidFromDateTime` is returned only when selected (platform-facts §1). */
const USER_SELECT = 'id,userPrincipalName,mail,userType,accountEnabled,signInSessionsValidFromDateTime';
const USER_REF_SELECT = 'id,userPrincipalName,mail';
const userUrl = (reference: string) => `/users/${encodePathSegment(reference)}?$select=${USER_SELECT}`;
/** `checkMemberGroups` takes at most 20 group ids per call. */
const GROUPS_PER_CHECK = 20;
/** The largest page Graph serves for directory objects. */
const PAGE_SIZE = 999;

/** Entra ID through Microsoft Graph; every call goes through `$batch`, listings page by page. */
export class GraphDirectoryClient implements Directory {
    constructor(
        private readonly client: Client,
        private readonly options: GraphBatchOptions,
    ) {}

    async getUsers(references: readonly string[]): Promise<Map<string, ItemResult<DirectoryUser>>> {
        const answers = await this.run(
            references.map((reference) => ({
                key: reference,
                method: 'GET',
                url: userUrl(reference),
            })),
        );
        return mapAnswers(references, answers, (body) => toDirectoryUser(body));
    }

    async checkMemberGroups(
        userIds: readonly string[],
        groupIds: readonly string[],
    ): Promise<Map<string, ItemResult<string[]>>> {
        const groupChunks = chunk(groupIds, GROUPS_PER_CHECK);
        const steps = userIds.flatMap((userId) =>
            groupChunks.map((ids, index) => ({
                key: `${userId}|${index}`,
                method: 'POST' as const,
                url: `/users/${encodePathSegment(userId)}/checkMemberGroups`,
                body: { groupIds: ids },
            })),
        );
        const answers = await this.run(steps);
        const results = new Map<string, ItemResult<string[]>>();
        for (const userId of userIds) {
            const memberOf: string[] = [];
            let failure: ServiceError | undefined;
            groupChunks.forEach((_, index) => {
                const answer = toItem(answers.get(`${userId}|${index}`), (body) =>
                    stringArray((body as { value?: unknown })?.value),
                );
                if (answer.ok) memberOf.push(...answer.value);
                else failure ??= answer.error;
            });
            results.set(userId, failure ? { ok: false, error: failure } : { ok: true, value: memberOf });
        }
        return results;
    }

    /** 200 `{value: true}` is documented, 204 is what it should be (platform-facts §1): both are success. */
    async revokeSignInSessions(userIds: readonly string[]): Promise<Map<string, ItemResult<true>>> {
        const answers = await this.run(
            userIds.map((userId) => ({
                key: userId,
                method: 'POST',
                url: `/users/${encodePathSegment(userId)}/revokeSignInSessions`,
                onceOnly: true,
            })),
        );
        return mapAnswers(userIds, answers, () => true as const);
    }

    async lookUpAndRevoke(references: readonly string[]): Promise<Map<string, LookUpAndRevoke>> {
        // Pairs side by side, so a batch of 20 holds both halves of 10 users and the dependency travels with them.
        const answers = await this.run(
            references.flatMap((reference) => [
                { key: `get|${reference}`, method: 'GET' as const, url: userUrl(reference) },
                {
                    key: `revoke|${reference}`,
                    method: 'POST' as const,
                    url: `/users/${encodePathSegment(reference)}/revokeSignInSessions`,
                    dependsOn: [`get|${reference}`],
                    onceOnly: true,
                },
            ]),
        );
        return new Map(
            references.map((reference) => {
                const user = toItem(answers.get(`get|${reference}`), toDirectoryUser);
                // An unknown user's revocation answers 424: report the look-up's error for both.
                const revoked = user.ok ? toItem(answers.get(`revoke|${reference}`), () => true as const) : user;
                return [reference, { user, revoked }];
            }),
        );
    }

    async setAccountEnabled(userIds: readonly string[], enabled: boolean): Promise<Map<string, ItemResult<true>>> {
        const answers = await this.run(
            userIds.map((userId) => ({
                key: userId,
                method: 'PATCH',
                url: `/users/${encodePathSegment(userId)}`,
                body: { accountEnabled: enabled },
            })),
        );
        return mapAnswers(userIds, answers, () => true as const);
    }

    /**
     * `startswith` on UPN and mail (platform-facts §11). The local part comes from Graph, not from a requester, and
     * is checked against the UPN alphabet and quoted as an OData literal (`'` doubled) before it is encoded.
     */
    async findUsersByLocalPart(localParts: readonly string[]): Promise<Map<string, ItemResult<DirectoryUserRef[]>>> {
        const results = new Map<string, ItemResult<DirectoryUserRef[]>>();
        const reads: PagedRead[] = [];
        for (const localPart of localParts) {
            // The UPN local-part alphabet, so a filter literal can hold nothing else.
            if (!UPN_LOCAL_PART_PATTERN.test(localPart)) {
                results.set(localPart, {
                    ok: false,
                    error: new ServiceError('graph', undefined, 'invalid-local-part', 'Not a UPN local part'),
                });
                continue;
            }
            const literal = `'${`${localPart}@`.replace(/'/g, "''")}'`;
            const filter = `startswith(userPrincipalName,${literal}) or startswith(mail,${literal})`;
            reads.push({
                key: localPart,
                url: `/users?$filter=${encodeURIComponent(filter)}&$select=${USER_REF_SELECT}&$top=${PAGE_SIZE}`,
            });
        }
        for (const [key, answer] of await this.readPages(reads))
            results.set(
                key,
                mapItem(answer, (page) => page.items.map(toUserRef).filter(isDefined)),
            );
        return results;
    }

    async getGroups(groupIds: readonly string[]): Promise<Map<string, ItemResult<DirectoryGroup>>> {
        const answers = await this.run(
            groupIds.map((groupId) => ({
                key: groupId,
                method: 'GET',
                url: `/groups/${encodePathSegment(groupId)}?$select=id,displayName`,
            })),
        );
        return mapAnswers(groupIds, answers, (body) => {
            const group = body as { id?: unknown; displayName?: unknown } | undefined;
            return typeof group?.id === 'string'
                ? {
                      id: group.id.toLowerCase(),
                      displayName: typeof group.displayName === 'string' ? group.displayName : group.id,
                  }
                : undefined;
        });
    }

    async listGroupUsers(groupIds: readonly string[], maxUsers: number): Promise<Map<string, ItemResult<UserListing>>> {
        const answers = await this.readPages(
            groupIds.map((groupId) => ({
                key: groupId,
                url: `/groups/${encodePathSegment(groupId)}/transitiveMembers/microsoft.graph.user?$select=${USER_REF_SELECT}&$top=${PAGE_SIZE}`,
                maxItems: maxUsers,
            })),
        );
        return new Map(
            groupIds.map((groupId) => [
                groupId,
                mapItem(answers.get(groupId), (page) => ({
                    users: page.items.map(toUserRef).filter(isDefined),
                    complete: page.complete,
                })),
            ]),
        );
    }

    /** With `$expand=principal`, so a group principal can be told from a user (platform-facts §10). */
    async listRoleAssignments(roleTemplateIds: readonly string[] | 'all'): Promise<RoleAssignment[]> {
        const base = `/roleManagement/directory/roleAssignments?$expand=principal`;
        const reads: PagedRead[] =
            roleTemplateIds === 'all'
                ? [{ key: 'all', url: base }]
                : roleTemplateIds.map((id) => {
                      if (!GUID_PATTERN.test(id))
                          throw new ServiceError(
                              'graph',
                              undefined,
                              'invalid-role-id',
                              'A role template id is not a GUID',
                          );
                      return { key: id, url: `${base}&$filter=${encodeURIComponent(`roleDefinitionId eq '${id}'`)}` };
                  });
        const assignments: RoleAssignment[] = [];
        for (const answer of (await this.readPages(reads)).values()) {
            if (!answer.ok) throw answer.error;
            assignments.push(...answer.value.items.map(toRoleAssignment).filter(isDefined));
        }
        return assignments;
    }

    async listAccountEnabledChanges(objectId: string, since: Date): Promise<AccountEnabledChange[]> {
        if (!GUID_PATTERN.test(objectId))
            throw new ServiceError('graph', undefined, 'invalid-object-id', 'An object id is not a GUID');
        const filter = `activityDateTime ge ${since.toISOString()} and targetResources/any(t:t/id eq '${objectId}')`;
        const answer = (
            await this.readPages([
                { key: objectId, url: `/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}` },
            ])
        ).get(objectId);
        if (!answer?.ok) throw answer?.error ?? new ServiceError('graph', undefined, 'no-answer', 'No answer');
        return answer.value.items.flatMap((entry) => accountEnabledChangeOf(entry, objectId));
    }

    private run(steps: readonly BatchStep[]): Promise<Map<string, BatchAnswer | ServiceError>> {
        return runBatched(this.client, steps, this.options);
    }

    private readPages(reads: readonly PagedRead[]): Promise<Map<string, ItemResult<PagedItems>>> {
        return readAllPages((steps) => this.run(steps), reads, this.options.graphEndpoint);
    }
}

const isDefined = <T>(value: T | undefined): value is T => value !== undefined;

function mapItem<T, R>(answer: ItemResult<T> | undefined, read: (value: T) => R): ItemResult<R> {
    if (!answer) return { ok: false, error: new ServiceError('graph', undefined, 'no-answer', 'No answer') };
    return answer.ok ? { ok: true, value: read(answer.value) } : answer;
}

function toUserRef(item: unknown): DirectoryUserRef | undefined {
    const user = item as { id?: unknown; userPrincipalName?: unknown; mail?: unknown } | undefined;
    if (typeof user?.id !== 'string' || typeof user.userPrincipalName !== 'string') return undefined;
    return {
        id: user.id.toLowerCase(),
        userPrincipalName: user.userPrincipalName,
        mail: typeof user.mail === 'string' ? user.mail : null,
    };
}

function toRoleAssignment(item: unknown): RoleAssignment | undefined {
    const assignment = item as { roleDefinitionId?: unknown; principalId?: unknown; principal?: unknown } | undefined;
    if (typeof assignment?.roleDefinitionId !== 'string' || typeof assignment.principalId !== 'string')
        return undefined;
    const roleTemplateId = assignment.roleDefinitionId.toLowerCase();
    const principal = (assignment.principal ?? {}) as { '@odata.type'?: unknown; displayName?: unknown };
    const id = assignment.principalId.toLowerCase();
    switch (principal['@odata.type']) {
        case '#microsoft.graph.user': {
            const user = toUserRef(principal);
            return user ? { roleTemplateId, principal: { kind: 'user', ...user } } : undefined;
        }
        case '#microsoft.graph.group':
            return {
                roleTemplateId,
                principal: {
                    kind: 'group',
                    id,
                    displayName: typeof principal.displayName === 'string' ? principal.displayName : id,
                },
            };
        default:
            return { roleTemplateId, principal: { kind: 'other', id } };
    }
}

/** A directory audit entry, when it changed `AccountEnabled` of this user (values come as `"[false]"`). */
function accountEnabledChangeOf(entry: unknown, objectId: string): AccountEnabledChange[] {
    const audit = entry as {
        activityDateTime?: unknown;
        initiatedBy?: { app?: Record<string, unknown> | null; user?: Record<string, unknown> | null };
        targetResources?: { id?: unknown; modifiedProperties?: { displayName?: unknown; newValue?: unknown }[] }[];
    };
    const target = audit.targetResources?.find((resource) => String(resource.id).toLowerCase() === objectId);
    const property = target?.modifiedProperties?.find((p) => p.displayName === 'AccountEnabled');
    if (!property || typeof audit.activityDateTime !== 'string') return [];
    const app = audit.initiatedBy?.app;
    const user = audit.initiatedBy?.user;
    const newValue = /true/i.test(String(property.newValue))
        ? true
        : /false/i.test(String(property.newValue))
          ? false
          : undefined;
    return [
        {
            at: audit.activityDateTime,
            ...(typeof app?.appId === 'string' && { appId: app.appId.toLowerCase() }),
            ...(typeof app?.servicePrincipalId === 'string' && {
                servicePrincipalId: app.servicePrincipalId.toLowerCase(),
            }),
            ...(typeof user?.userPrincipalName === 'string'
                ? { userPrincipalName: user.userPrincipalName }
                : typeof user?.id === 'string' && { userPrincipalName: user.id }),
            ...(newValue !== undefined && { newValue }),
        },
    ];
}

function mapAnswers<T>(
    keys: readonly string[],
    answers: Map<string, BatchAnswer | ServiceError>,
    read: (body: unknown) => T | undefined,
): Map<string, ItemResult<T>> {
    return new Map(keys.map((key) => [key, toItem(answers.get(key), read)]));
}

function toItem<T>(
    answer: BatchAnswer | ServiceError | undefined,
    read: (body: unknown) => T | undefined,
): ItemResult<T> {
    if (answer === undefined)
        return {
            ok: false,
            error: new ServiceError('graph', undefined, 'no-answer', 'Graph gave no answer for this item'),
        };
    if (answer instanceof ServiceError) return { ok: false, error: answer };
    if (answer.status >= 200 && answer.status < 300) {
        const value = read(answer.body);
        if (value !== undefined) return { ok: true, value };
        return {
            ok: false,
            error: new ServiceError('graph', answer.status, 'unexpected-body', 'Graph answered an unexpected body'),
        };
    }
    return { ok: false, error: graphItemError(answer) };
}

function toDirectoryUser(body: unknown): DirectoryUser | undefined {
    const user = body as Partial<Record<keyof DirectoryUser, unknown>> | undefined;
    if (!user || typeof user.id !== 'string' || typeof user.userPrincipalName !== 'string') return undefined;
    return {
        id: user.id.toLowerCase(),
        userPrincipalName: user.userPrincipalName,
        mail: typeof user.mail === 'string' ? user.mail : null,
        userType: typeof user.userType === 'string' ? user.userType : null,
        accountEnabled: typeof user.accountEnabled === 'boolean' ? user.accountEnabled : null,
        signInSessionsValidFromDateTime:
            typeof user.signInSessionsValidFromDateTime === 'string' ? user.signInSessionsValidFromDateTime : null,
    };
}

function stringArray(value: unknown): string[] | undefined {
    return Array.isArray(value)
        ? value.filter((item): item is string => typeof item === 'string').map((id) => id.toLowerCase())
        : undefined;
}
