import type { FieldProblem } from '../core/errors';
import type { CliIo } from './io';

/** The one error document of `--json` output, the same shape as the HTTP API's error body. */
export interface ErrorDocument {
    error: { code: string; message: string; details: FieldProblem[] };
    requestId?: string;
}

/**
 * Where a command writes. With `--json`, standard output carries exactly one JSON document and human lines are
 * dropped, so a script can parse it whole; notes and progress always go to standard error.
 */
export class Output {
    constructor(
        private readonly io: CliIo,
        readonly json: boolean,
    ) {}

    /** A line of the human report (standard output, not in JSON mode). */
    line(text = ''): void {
        if (!this.json) this.io.stdout(`${text}\n`);
    }

    lines(texts: readonly string[]): void {
        for (const text of texts) this.line(text);
    }

    /** The machine-readable document (standard output, JSON mode only). */
    document(value: unknown): void {
        if (this.json) this.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
    }

    /** A note for the person at the terminal (standard error, always). */
    note(text: string): void {
        this.io.stderr(`${text}\n`);
    }

    /** A failure: said on standard error, and as an error document on standard output in JSON mode. */
    error(error: ErrorDocument, humanLines: readonly string[]): void {
        for (const text of humanLines) this.note(text);
        this.document(error);
    }
}

export function errorDocument(
    code: string,
    message: string,
    details: FieldProblem[] = [],
    requestId?: string,
): ErrorDocument {
    return { error: { code, message, details }, ...(requestId && { requestId }) };
}
