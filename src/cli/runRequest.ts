import { ConfigurationError, ensureError } from '../core/errors';
import { processRequest, RetryLaterError, type ProcessOutcome } from '../core/service/processRequest';
import type { ServiceDependencies } from '../core/service/serviceDependencies';
import type { CommandContext } from './commands/command';
import { cliLeaseOwner } from './cliIdentity';
import { EXIT } from './exitCodes';
import { requestNotFound } from './failures';
import { observeAppendedEvents } from './observeAudit';
import { errorDocument, type Output } from './output';
import { Progress, type ProgressPlan } from './progress';
import { reportRecord } from './reportRecord';

export interface RunOptions {
    label: string;
    plan?: ProgressPlan;
    /**
     * Run as the host's last delivery: transient failures end the request as a truthful `partial` instead of
     * leaving it open for another attempt.
     */
    lastAttempt: boolean;
}

/**
 * Runs a claimed request in this process with `processRequest`, as a queue worker would, showing progress from
 * the events it appends. A run that stops early leaves the request resumable, and says how.
 */
export async function runClaimedRequest(
    requestId: string,
    deps: ServiceDependencies,
    out: Output,
    context: CommandContext,
    options: RunOptions,
): Promise<number> {
    const progress = new Progress(context.io, options.label, options.plan);
    const observed: ServiceDependencies = {
        ...deps,
        audit: observeAppendedEvents(deps.audit, (events) => progress.observe(events)),
    };
    const attempt = { dequeueCount: options.lastAttempt ? deps.settings.maxDequeueCount : 1, owner: cliLeaseOwner() };
    let outcome: ProcessOutcome;
    progress.start();
    const unsubscribe = deps.throttling.subscribe((notice) => progress.throttled(notice));
    try {
        outcome = await processRequest(requestId, attempt, observed);
    } catch (error) {
        unsubscribe();
        progress.stop();
        // A wrong setting (e.g. a protected entry that does not resolve) is the admin's to fix: exit 4, not a failed run.
        if (error instanceof ConfigurationError) throw error;
        const message = ensureError(error).message;
        out.error(
            errorDocument(error instanceof RetryLaterError ? 'retry-later' : 'run-failed', message, [], requestId),
            [`bc-signout: ${message}`, whatToDoAfterStop(error, requestId)],
        );
        return EXIT.failed;
    }
    unsubscribe();
    progress.stop();
    switch (outcome.kind) {
        case 'unknown-request':
            return requestNotFound(out, requestId);
        case 'already-final':
            out.note(`Request ${requestId} was already ${outcome.record.state}; nothing was run again.`);
            return reportRecord(outcome.record, out, { config: context.config, env: context.io.env });
        case 'finished':
            return reportRecord(outcome.record, out, { config: context.config, env: context.io.env });
        case 'sharded':
            out.note(
                `Request ${requestId} is split into ${outcome.record.shardCount} shards, which the Functions app runs from its queue; \`bc-signout status ${requestId}\` shows how far they are, and a shard resumes here by its own id.`,
            );
            return reportRecord(outcome.record, out, { config: context.config, env: context.io.env });
        case 'continued':
            // Only a queue worker hands a request on; the CLI waits for services itself.
            return reportRecord(outcome.record, out, { config: context.config, env: context.io.env });
    }
}

/** A CLI run has no host to deliver it again: the admin is told what to run, and that nothing retries meanwhile. */
function whatToDoAfterStop(error: unknown, requestId: string): string {
    const resume = `bc-signout resume ${requestId}`;
    if (!(error instanceof RetryLaterError)) return `The request is saved and can be resumed: ${resume}`;
    if (error.code === 'busy')
        return `Another worker holds it and finishes it there; if that worker stopped, take it over once its lease ends: ${resume}`;
    return `The request is saved, and nothing retries it on its own. Resume it: ${resume} (add --finish to end it with what it has)`;
}
