import fs from 'node:fs';
import path from 'node:path';
import { documentedMetrics, OPERATIONS_DOC as operations } from './support/telemetryContract';

const ROOT = path.join(__dirname, '../../..');
const read = (relative: string) => fs.readFileSync(path.join(ROOT, relative), 'utf8');
const alertsBicep = read('infra/core/alerts.bicep');

/** `name: '...'` and `query: '...'` of each entry of `var alertRules`. */
function alertRules(): Array<{ name: string; query: string }> {
    const block = /^var alertRules = \[\n([\s\S]*?)^\]/m.exec(alertsBicep)?.[1];
    if (!block) throw new Error('infra/core/alerts.bicep has no "var alertRules = [" block');
    return block.split(/^ {2}\{$/m).flatMap((entry) => {
        const name = /^\s+name: '([^']+)'$/m.exec(entry)?.[1];
        const query = /^\s+query: '([^']+)'$/m.exec(entry)?.[1];
        return name && query ? [{ name, query }] : [];
    });
}

describe('alert rules (infra/core/alerts.bicep) against the telemetry names (docs/operations.md)', () => {
    const metrics = documentedMetrics();
    const rules = alertRules();

    it('reads the documented metrics and the rules', () => {
        expect(metrics).toEqual(expect.arrayContaining(['signout.requests', 'signout.health']));
        expect(rules.map((rule) => rule.name).sort()).toEqual(
            ['dead-lettered', 'failed-requests', 'unhealthy', 'watches-lapsed'].sort(),
        );
    });

    it.each([
        ['dead-lettered', 'signout.dead_lettered'],
        ['failed-requests', 'signout.requests'],
        ['watches-lapsed', 'signout.watches.lapsed'],
        ['unhealthy', 'signout.health'],
    ])('rule %s queries the documented metric %s', (rule, metric) => {
        expect(metrics).toContain(metric);
        expect(rules.find((candidate) => candidate.name === rule)?.query).toContain(
            `customMetrics | where name == "${metric}"`,
        );
    });

    it('queries no metric the table does not name', () => {
        const queried = rules.flatMap((rule) => [...rule.query.matchAll(/name == "([^"]+)"/g)].map((m) => m[1]!));
        expect(queried.filter((name) => !metrics.includes(name))).toEqual([]);
    });

    it('filters failed requests on a status value the table documents', () => {
        const query = rules.find((rule) => rule.name === 'failed-requests')?.query ?? '';
        expect(query).toContain('tostring(customDimensions.status) == "failed"');
        expect(operations).toMatch(/`status` \(completed, partial, failed,/);
    });

    it('alerts on a missing health sample too, not only on an unhealthy one', () => {
        const unhealthy = /name: 'unhealthy'[\s\S]*?operator: '(\w+)'\s*threshold: (\d+)/.exec(alertsBicep);
        expect([unhealthy?.[1], unhealthy?.[2]]).toEqual(['LessThan', '1']);
    });

    it('is deployed by main.bicep on the Application Insights resource', () => {
        const main = read('infra/main.bicep');
        expect(main).toMatch(/module alerts 'core\/alerts\.bicep'/);
        expect(main).toContain('applicationInsightsId: monitoring.outputs.applicationInsightsId');
        expect(alertsBicep).toContain('scopes: [applicationInsightsId]');
    });
});
