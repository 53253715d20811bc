import { ConfigurationError } from '../../core/errors';

/** The tables of one audit store; docs/audit.md describes their keys and the queries each serves. */
export interface AuditTableNames {
    /** One partition per request: the request record and back-references to its user-index rows. */
    requests: string;
    /** One partition per request: its hash-chained events in sequence order. */
    events: string;
    /** One partition per user key (UPN or object id, lower-cased): that user's requests, newest first. */
    userIndex: string;
    /** One partition per month: every request by creation time, newest first. */
    timeline: string;
    watches: string;
    holds: string;
    leases: string;
    /** One partition per HTTP caller: the users its requests named in the last hour (CALLER_MAX_USERS_PER_HOUR). */
    usage: string;
}

/** Table names are 3-63 letters and digits, starting with a letter; the longest suffix is 9 characters. */
const PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,53}$/;

export function auditTableNames(prefix: string): AuditTableNames {
    if (!PREFIX_PATTERN.test(prefix)) {
        throw new ConfigurationError('tablePrefix', 'must be 1-54 letters and digits, starting with a letter');
    }
    return {
        requests: `${prefix}Requests`,
        events: `${prefix}Events`,
        userIndex: `${prefix}UserIndex`,
        timeline: `${prefix}Timeline`,
        watches: `${prefix}Watches`,
        holds: `${prefix}Holds`,
        leases: `${prefix}Leases`,
        usage: `${prefix}Usage`,
    };
}
