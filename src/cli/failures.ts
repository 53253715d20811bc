import type { AppConfig } from '../config';
import type { Refusal } from '../core/callers/admission';
import {
    AuthenticationFailedError,
    ConfigurationError,
    ensureError,
    ServiceError,
    ValidationError,
    type FieldProblem,
} from '../core/errors';
import { EXIT, type ExitCode } from './exitCodes';
import { formatProblems } from './requestProblems';
import { errorDocument, type Output } from './output';
import { credentialHint } from './reportRecord';

/** A command line `parseArgs` or a command refused: what was wrong and where the help is. */
export function usageError(out: Output, command: string | undefined, message: string): ExitCode {
    const help = command ? `bc-signout ${command} --help` : 'bc-signout --help';
    out.error(errorDocument('usage', message), [
        `bc-signout${command ? ` ${command}` : ''}: ${message}`,
        `See ${help}.`,
    ]);
    return EXIT.invalid;
}

/** Bad input, field by field; nothing was claimed or changed. */
export function invalidRequest(out: Output, problems: readonly FieldProblem[], input?: { users?: unknown }): ExitCode {
    out.error(
        errorDocument('invalid-request', 'The request is not valid; see details for each field.', [...problems]),
        ['bc-signout: the request is not valid; nothing was done:', ...formatProblems(problems, input)],
    );
    return EXIT.invalid;
}

/** A request the CLI's identity may not have run (e.g. a tenant TENANT_CALLERS does not pair it with). */
export function refused(out: Output, refusal: Refusal): ExitCode {
    out.error(errorDocument(refusal.code, refusal.message, [{ field: refusal.field, reason: refusal.message }]), [
        `bc-signout: ${refusal.message}`,
    ]);
    return EXIT.invalid;
}

/**
 * Anything a command threw, mapped once: bad input and wrong settings are the admin's to fix (4); everything else
 * is a failed run (3). Messages of our own errors never carry secrets; a service error shows its code.
 */
export function reportFailure(
    error: unknown,
    out: Output,
    context: { config?: AppConfig; env: Record<string, string | undefined> },
): ExitCode {
    if (error instanceof ValidationError) return invalidRequest(out, error.problems);
    if (error instanceof ConfigurationError) {
        out.error(errorDocument('configuration', error.message, [{ field: error.setting, reason: error.message }]), [
            `bc-signout: ${error.message}`,
            'Configuration comes from the same environment variables as the app; see docs/cli.md.',
        ]);
        return EXIT.invalid;
    }
    if (error instanceof AuthenticationFailedError) {
        out.error(errorDocument('authentication-failed', error.message), [
            `bc-signout: ${error.message}`,
            ...(context.config ? [credentialHint(context.config, context.env)] : []),
        ]);
        return EXIT.failed;
    }
    if (error instanceof ServiceError) {
        const where = `${error.service}${error.statusCode ? ` ${error.statusCode}` : ''} ${error.code}`;
        out.error(errorDocument(error.code, error.message), [`bc-signout: ${where}: ${error.message}`]);
        return EXIT.failed;
    }
    const message = ensureError(error).message;
    out.error(errorDocument('failed', message), [`bc-signout: ${message}`]);
    return EXIT.failed;
}

export function requestNotFound(out: Output, requestId: string): ExitCode {
    out.error(errorDocument('not-found', `No sign-out request ${requestId}.`, [], requestId), [
        `bc-signout: no sign-out request ${requestId}`,
    ]);
    return EXIT.invalid;
}
