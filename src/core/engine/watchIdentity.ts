import type { WatchIdentity } from '../ports/auditStore';
import type { SessionIdentity } from './matching';

/** What a watch keeps of an identity: the names the sweep may cancel, where they came from, and why. */
export function watchIdentityOf(identity: SessionIdentity | undefined): WatchIdentity {
    switch (identity?.kind) {
        case 'mapped':
            return {
                names: identity.names,
                source: 'automation',
                why: `the Automation API maps the person to BC user ${identity.bcUser.userName}`,
            };
        case 'heuristic':
            return {
                names: identity.names,
                source: 'heuristic',
                why:
                    'the Automation API refuses the app here: matched by UPN, mail and a UPN local part no one else has' +
                    (identity.unsure.length > 0
                        ? `; never ${identity.unsure.map((entry) => entry.name).join(', ')}, which could mean someone else`
                        : ''),
            };
        case 'ambiguous':
            return {
                names: [],
                source: 'unresolved',
                why: `several BC users have the e-mail (${identity.candidates.join(', ')})`,
            };
        case 'unmapped':
            return {
                names: [],
                source: 'unresolved',
                why: `no BC user maps to the person; sessions under ${identity.sessionNames.join(', ')}`,
            };
        case 'unavailable':
            return {
                names: [],
                source: 'unresolved',
                why: `the Automation API could not be read (${identity.error.code})`,
            };
        default:
            return {
                names: [],
                source: 'unresolved',
                why: 'no BC user has the e-mail and no session runs under their names',
            };
    }
}
