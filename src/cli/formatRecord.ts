import type { AuditEvent, RequestRecord, RequestSummary } from '../core/ports/auditStore';
import type { RequestProgress } from '../core/result';

/** The request's own facts, for `status`: who asked, why, when, and where it stands. */
export function formatRecordHeader(record: RequestRecord): string[] {
    const request = record.request;
    const caller = `${record.caller.kind} ${record.caller.id}${record.caller.name ? ` (${record.caller.name})` : ''}`;
    const lines = [
        `Request   ${record.requestId}`,
        `State     ${record.state}${record.stateDetail ? ` (${record.stateDetail})` : ''}`,
        `Source    ${record.source}, caller ${caller}`,
        `Created   ${record.createdAt}   updated ${record.updatedAt}   attempts ${record.attempts}`,
    ];
    if (record.reason) lines.push(`Reason    ${record.reason}`);
    if (record.ticketNumber)
        lines.push(`Ticket    ${request?.ticket?.system ?? ''}${request?.ticket ? ' ' : ''}${record.ticketNumber}`);
    if (request) {
        lines.push(`Users     ${request.users.join(', ')}`);
        const chosen =
            request.environments !== 'all'
                ? request.environments.join(', ')
                : `all active${request.environmentTypes ? ` of type ${request.environmentTypes.join(', ')}` : ''}`;
        lines.push(`Envs      ${chosen}`);
        if (request.dryRun) lines.push('Dry run   yes');
    }
    if (record.shardCount)
        lines.push(
            `Shards    ${record.shardCount}: ${record.requestId}.shard-001 to .shard-${String(record.shardCount).padStart(3, '0')}`,
        );
    if (record.parentRequestId) lines.push(`Shard of  ${record.parentRequestId}`);
    if (record.leaseOwner && record.leaseUntil) lines.push(`Lease     ${record.leaseOwner} until ${record.leaseUntil}`);
    for (const problem of record.problems ?? []) lines.push(`Problem   ${problem.field}: ${problem.reason}`);
    return lines;
}

/** How far a running request is: steps done per system, its shards, what it waits for. */
export function formatProgress(progress: RequestProgress): string[] {
    const done = Object.entries(progress.done).map(([system, count]) => `${system} ${count}/${progress.users}`);
    return [
        `Progress  ${done.length > 0 ? done.join(', ') : 'nothing done yet'} (as of ${progress.updatedAt})`,
        ...(progress.shards ? [`          ${progress.shards.ended} of ${progress.shards.total} shards ended`] : []),
        ...(progress.waiting ? [`Waiting   ${progress.waiting}`] : []),
    ];
}

/** The audit trail, one event a line, as the demo prints it. */
export function formatEvents(events: readonly AuditEvent[]): string[] {
    return events.map((event) => {
        const what = [event.system, event.status].filter(Boolean).join(' ');
        return `#${String(event.sequence).padStart(2, '0')} ${event.at} ${event.type}${what ? ` ${what}` : ''}${event.user ? ` user=${event.user}` : ''}${event.detail ? `  ${event.detail}` : ''}`;
    });
}

/** One line per request for `history`, newest first as the store returns them. */
export function formatSummaries(items: readonly RequestSummary[]): string[] {
    if (items.length === 0) return ['(no requests)'];
    const header = `${'CREATED'.padEnd(24)} ${'STATE'.padEnd(13)} ${'USERS'.padStart(5)}  ${'SOURCE'.padEnd(6)} ${'REQUEST'.padEnd(36)} REASON`;
    return [
        header,
        ...items.map(
            (item) =>
                `${item.createdAt.padEnd(24)} ${item.state.padEnd(13)} ${String(item.userCount).padStart(5)}  ${item.source.padEnd(6)} ${item.requestId.padEnd(36)} ${[item.ticketNumber, item.reason].filter(Boolean).join(': ')}`,
        ),
    ];
}
