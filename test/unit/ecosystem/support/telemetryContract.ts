import fs from 'node:fs';
import path from 'node:path';

export const OPERATIONS_DOC = fs.readFileSync(path.join(__dirname, '../../../../docs/operations.md'), 'utf8');

/** The metric names of the telemetry table in docs/operations.md: the contract the code and the alerts share. */
export function documentedMetrics(): string[] {
    const section = OPERATIONS_DOC.split(/^## /m).find((part) => part.startsWith('Telemetry names'));
    if (!section) throw new Error('docs/operations.md has no "## Telemetry names" section');
    return [...section.matchAll(/^\| `([a-z_.]+)` \|/gm)].map((match) => match[1]!);
}
