import type { Client } from '@microsoft/microsoft-graph-client';
import { ServiceError } from '../../core/errors';
import { chunk } from '../../core/concurrency';
import type { Directory, DirectoryUser, ItemResult } from '../../core/ports/directory';
import { encodePathSegment } from '../http/encodePathSegment';
import { runBatched, type BatchAnswer, type BatchStep, type GraphBatchOptions } from './graphBatch';

/** `signInSessionsValidFromDateTime` is returned only when selected (platform-facts §1). */
const USER_SELECT = 'id,userPrincipalName,mail,userType,accountEnabled,signInSessionsValidFromDateTime';
/** `checkMemberGroups` takes at most 20 group ids per call. */
const GROUPS_PER_CHECK = 20;

/** Entra ID through Microsoft Graph; every call goes through `$batch`. */
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
                url: `/users/${encodePathSegment(reference)}?$select=${USER_SELECT}`,
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
            })),
        );
        return mapAnswers(userIds, answers, () => true as const);
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

    private run(steps: readonly BatchStep[]): Promise<Map<string, BatchAnswer | ServiceError>> {
        return runBatched(this.client, steps, this.options);
    }
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
    const code = (answer.body as { error?: { code?: unknown } } | undefined)?.error?.code;
    const text = typeof code === 'string' ? code : `http-${answer.status}`;
    return {
        ok: false,
        error: new ServiceError('graph', answer.status, text, `Graph answered ${answer.status} ${text}`),
    };
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
