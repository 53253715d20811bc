import fs from 'node:fs';
import path from 'node:path';
import { documentedMetrics, OPERATIONS_DOC } from './support/telemetryContract';

/**
 * The Kusto queries of docs/operations.md ask for names the code emits: a renamed span, event or attribute would
 * leave an on-call admin with a query that silently finds nothing.
 */
const SRC = path.join(__dirname, '../../../src');

function sourcesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return sourcesUnder(full);
        return entry.name.endsWith('.ts') ? [fs.readFileSync(full, 'utf8')] : [];
    });
}

const source = sourcesUnder(SRC).join('\n');
const port = fs.readFileSync(path.join(SRC, 'core/ports/telemetry.ts'), 'utf8');
const queries = [...OPERATIONS_DOC.matchAll(/```kusto\n([\s\S]*?)```/g)].map((match) => match[1]!);
/** Attributes the adapter adds to every dependency span, besides the port's fields. */
const DEPENDENCY_ATTRIBUTES = ['service'];

describe('the Kusto queries of docs/operations.md', () => {
    it('are there: why a request ended partial, reconnects cancelled today, who requested sign-outs', () => {
        expect(OPERATIONS_DOC).toMatch(/### Why did request X end partial\?/);
        expect(OPERATIONS_DOC).toMatch(/### Reconnects cancelled today/);
        expect(OPERATIONS_DOC).toMatch(/### Who requested sign-outs this week/);
        expect(queries.length).toBeGreaterThanOrEqual(4);
    });

    it('name only metrics of the contract and spans the code starts', () => {
        const names = queries.flatMap((query) => [...query.matchAll(/name == "([^"]+)"/g)].map((match) => match[1]!));
        expect(names.length).toBeGreaterThan(0);
        const unknown = names.filter((name) => !documentedMetrics().includes(name) && !source.includes(`'${name}'`));
        expect(unknown).toEqual([]);
    });

    it('name only events the code logs', () => {
        const events = queries
            .filter((query) => query.includes('customDimensions.event'))
            .flatMap((query) => [...query.matchAll(/"([a-z]+(?:-[a-z]+)+)"/g)].map((match) => match[1]!));
        expect(events).toEqual(expect.arrayContaining(['request-finished']));
        expect(events.filter((event) => !source.includes(`'${event}'`))).toEqual([]);
    });

    it('read only attributes the code records', () => {
        const keys = queries.flatMap((query) =>
            [...query.matchAll(/customDimensions\.(\w+)/g)].map((match) => match[1]!),
        );
        const recorded = (key: string) =>
            key === 'event' || DEPENDENCY_ATTRIBUTES.includes(key) || new RegExp(`^\\s+${key}\\?:`, 'm').test(port);
        expect(keys.filter((key) => !recorded(key))).toEqual([]);
    });
});
