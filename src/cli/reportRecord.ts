import type { AppConfig } from '../config';
import { credentialKind } from '../clients/identity/createCredential';
import type { RequestRecord } from '../core/ports/auditStore';
import type { SignOutResult } from '../core/result';
import { publicRecord } from '../core/service/publicRecord';
import { exitCodeOfState, type ExitCode } from './exitCodes';
import { formatRecordHeader } from './formatRecord';
import { formatResult, formatSummary } from './formatResult';
import type { Output } from './output';

/** Where a failed sign-in points the admin, by the credential the configuration resolves to. */
export function credentialHint(config: AppConfig, env: Record<string, string | undefined>): string {
    switch (credentialKind(config.identity, env)) {
        case 'developer':
            return 'The CLI signs in as you (DefaultAzureCredential): run `az login` (or `azd auth login`), or set AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH.';
        case 'client-secret':
            return 'Check AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (expired or wrong secret?) and AZURE_TENANT_ID.';
        case 'client-certificate':
            return 'Check AZURE_CLIENT_ID, AZURE_CLIENT_CERTIFICATE_PATH and AZURE_TENANT_ID.';
        case 'managed-identity':
            return 'Check that the managed identity exists and AZURE_CLIENT_ID names it.';
    }
}

/**
 * No user got as far as any system: the service could not sign in, or not reach Entra ID at all. Told by the
 * result's shape rather than its wording, which is the engine's to change.
 */
function nothingAttempted(result: SignOutResult): boolean {
    return (
        result.users.length > 0 && result.users.every((user) => user.outcome === 'failed' && user.systems.length === 0)
    );
}

/**
 * Prints a request's result (or, without one, the record) and answers the exit code of its state. With `--json`
 * the document is the `SignOutResult`; a record without a result is shown as the status endpoint shows it.
 */
export function reportRecord(
    record: RequestRecord,
    out: Output,
    context: { config: AppConfig; env: Record<string, string | undefined> },
): ExitCode {
    if (record.result) {
        out.document(record.result);
        out.line(formatSummary(record.result));
        out.lines(formatResult(record.result));
        if (nothingAttempted(record.result))
            out.note(
                `Nothing was attempted for any user. If the service could not sign in: ${credentialHint(context.config, context.env)}`,
            );
    } else {
        out.document(publicRecord(record));
        out.lines(formatRecordHeader(record));
    }
    return exitCodeOfState(record.state);
}
