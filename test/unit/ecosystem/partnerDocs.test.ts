import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../../..');
const DOCS = ['README.md', 'docs/permissions.md', 'docs/cli.md', 'infra/README.md', 'connector/README.md'];
const read = (relative: string) => fs.readFileSync(path.join(ROOT, relative), 'utf8').replace(/\s+/g, ' ');

/** platform-facts §12: GDAP and AdminAgents grant delegated access only; the service's tokens are app-only. */
describe('the partner documentation', () => {
    it.each(DOCS)('%s never tells to rely on AdminAgents or GDAP for the service identity', (file) => {
        expect(read(file)).not.toMatch(/adds? (the|this|its) (app|identity)[^.]{0,40} to [^.]{0,40}AdminAgents/i);
        expect(read(file)).not.toMatch(/\(GDAP for the Admin Center API\)/);
    });

    it('says what app-only access to a customer tenant needs, and that GDAP does not cover it', () => {
        const permissions = read('docs/permissions.md');
        expect(permissions).toContain('## Partners and several tenants');
        expect(permissions).toMatch(/GDAP does not replace any of these/);
        expect(permissions).toMatch(/do not cover app-only tokens/);
        expect(permissions).toMatch(/Authorized Microsoft Entra apps/);
    });

    it('marks what no documentation states as not verified', () => {
        const permissions = read('docs/permissions.md');
        expect(permissions).toMatch(/Not verified against a live tenant/);
        expect(permissions).toMatch(/permission set that lets the app change a user's state/);
        expect(permissions).toMatch(/A managed identity as Business Central's service-to-service client/);
    });
});
