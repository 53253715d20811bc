import type { Directory, DirectoryUser } from '../ports/directory';
import type { EnvironmentView } from './discoverEnvironments';
import {
    localPartOf,
    needsLocalPartLookup,
    sessionIdentity,
    type AutomationAnswer,
    type LocalPartOwners,
    type SessionIdentity,
    type SessionIndex,
} from './matching';
import { noAnswer } from '../directoryAnswers';

/** Identities per environment name, then per user object id. */
export type IdentitiesByEnvironment = Map<string, Map<string, SessionIdentity>>;

export interface IdentityInput {
    name: string;
    index: SessionIndex;
    automation: AutomationAnswer;
}

/**
 * Decides whose sessions are whose in every environment. A UPN local part is looked up (one batched Graph call for
 * all of them) only where it decides something: a session runs under it and the Automation API cannot say.
 */
export async function resolveIdentities(
    environments: readonly IdentityInput[],
    users: readonly DirectoryUser[],
    directory: Pick<Directory, 'findUsersByLocalPart'>,
): Promise<IdentitiesByEnvironment> {
    const localParts = new Set<string>();
    for (const env of environments)
        for (const user of users)
            if (needsLocalPartLookup(user, env.index, env.automation)) localParts.add(localPartOf(user).toLowerCase());
    const owners = localParts.size > 0 ? await lookUpOwners(directory, [...localParts]) : undefined;
    return new Map(
        environments.map((env) => [
            env.name,
            new Map(users.map((user) => [user.id, sessionIdentity(user, env.index, env.automation, owners)])),
        ]),
    );
}

async function lookUpOwners(
    directory: Pick<Directory, 'findUsersByLocalPart'>,
    localParts: string[],
): Promise<LocalPartOwners> {
    const answers = await directory.findUsersByLocalPart(localParts);
    return new Map(
        localParts.map((localPart) => {
            const answer = answers.get(localPart);
            const value = answer?.ok ? answer.value : (answer?.error ?? noAnswer());
            return [localPart, value];
        }),
    );
}

/** The environments of a pass whose sessions were listed and whose users were asked for. */
export function identityInputs(views: readonly EnvironmentView[]): IdentityInput[] {
    return views.flatMap((view) =>
        view.state === 'active' && view.automation
            ? [{ name: view.ref.name, index: view.index, automation: view.automation }]
            : [],
    );
}
