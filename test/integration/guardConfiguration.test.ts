import { main } from '../../src/cli/main';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { health } from '../../src/functions/health';
import { handleErrors } from '../../src/functions/http/handleErrors';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { FIXTURE } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { httpRequest, invocationContext, plain } from '../support/hostEmulation';
import { memoryIo } from '../unit/cli/memoryIo';

/**
 * A protected entry with the wrong domain (the break-glass account lives at contoso.onmicrosoft.com) must stop all
 * work on every path, naming the entry, instead of leaving the account unprotected.
 */
const TYPO = 'breakglass@contoso.com';
const { breakglass } = FIXTURE.users;
let harness: AppHarness;

beforeAll(async () => {
    harness = await startAppHarness({ settings: { PROTECTED_USERS: TYPO } });
});
afterAll(async () => harness.close());

const changes = () =>
    harness.simulator.calls.filter(
        (c) =>
            (c.service === 'graph' && (c.method === 'PATCH' || /revokeSignInSessions$/.test(c.path))) ||
            (c.service === 'bc-admin' && c.method === 'DELETE') ||
            (c.service === 'bc-automation' && c.method === 'PATCH'),
    );

describe('a protected entry that does not resolve', () => {
    it('makes health answer 503 naming the entry', async () => {
        const answer = plain(await health(httpRequest('GET', 'https://x/api/health'), invocationContext('health')));
        expect(answer.status).toBe(503);
        expect(JSON.stringify(answer.body)).toContain(`PROTECTED_USERS`);
        expect(JSON.stringify(answer.body)).toContain(TYPO);
    });

    it('refuses every HTTP sign-out with 503 naming the entry, and claims nothing', async () => {
        // As the host runs it: through the one error mapping every route is registered with.
        const answer = plain(
            await handleErrors(acceptSignOut)(
                httpRequest('POST', 'https://x/api/signouts', {
                    body: { requestId: 'typo-1', users: [breakglass.userPrincipalName], reason: 'attacker' },
                }),
                invocationContext('acceptSignOut'),
            ),
        );
        expect(answer.status).toBe(503);
        expect(answer.body).toMatchObject({ error: { code: 'protected-entry-unresolved' } });
        expect(JSON.stringify(answer.body)).toContain(TYPO);
        const { sharedServiceDependencies } = await import('../../src/composition/serviceDependencies');
        expect(await (await sharedServiceDependencies()).audit.getRequest('typo-1')).toBeUndefined();
    });

    it('leaves a queue message for redelivery', async () => {
        await expect(
            runQueuedSignOut(
                { requestId: 'typo-2', users: [breakglass.userPrincipalName], reason: 'ticket' },
                invocationContext('runQueuedSignOut', { dequeueCount: 1 }),
            ),
        ).rejects.toThrow(/PROTECTED_USERS/);
    });

    it('stops the CLI with exit 4 and the entry to fix', async () => {
        const io = memoryIo({ env: harness.settings });
        const code = await main(['signout', '-u', breakglass.userPrincipalName, '-r', 'typo'], io);
        expect(code).toBe(4);
        expect(io.err()).toContain(TYPO);
    });

    it('changed nothing anywhere', () => {
        expect(changes()).toEqual([]);
    });
});
