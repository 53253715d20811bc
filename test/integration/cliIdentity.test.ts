import { userInfo } from 'node:os';
import { main } from '../../src/cli/main';
import { FIXTURE, servicePrincipalIdOf } from '../simulator';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { memoryIo } from '../unit/cli/memoryIo';

/**
 * The CLI records the Entra identity it signed in as, read from the token it was given, and the operating-system
 * user; an access token it cannot read (they are opaque to clients by contract) leaves the identity unverified.
 */
let harness: AppHarness;
beforeAll(async () => {
    harness = await startAppHarness({ simulator: { accessTokenFormat: 'jwt' } });
});
afterAll(async () => harness.close());

async function statusJson(requestId: string): Promise<{ caller: Record<string, unknown> }> {
    const io = memoryIo({ env: harness.settings });
    expect(await main(['status', requestId, '--json'], io)).toBe(0);
    return JSON.parse(io.out()) as { caller: Record<string, unknown> };
}

it('records the app identity the CLI signed in as, from its token, and the OS user', async () => {
    const io = memoryIo({ env: harness.settings });
    const code = await main(
        ['signout', '-u', FIXTURE.users.erin.userPrincipalName, '-r', 'who ran me', '--request-id', 'cli-id-1'],
        io,
    );
    expect(code).toBe(0);
    const { caller } = await statusJson('cli-id-1');
    const servicePrincipal = servicePrincipalIdOf(FIXTURE.clientId);
    expect(caller).toEqual({
        kind: 'cli',
        id: servicePrincipal,
        objectId: servicePrincipal,
        appId: FIXTURE.clientId,
        verified: true,
        osUser: expect.stringMatching(new RegExp(`^${userInfo().username}@`)),
    });
    // Read from the token, never kept: no token is in what the CLI printed or the audit holds.
    const tokens = harness.simulator.issuedTokens();
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.filter((token) => `${io.out()}${io.err()}${JSON.stringify(caller)}`.includes(token))).toEqual([]);
});

it('records only the OS user, unverified, when the token cannot be read', async () => {
    harness.simulator.behaviour.accessTokenFormat = 'opaque';
    const io = memoryIo({ env: harness.settings });
    expect(await main(['signout', '-u', FIXTURE.users.erin.id, '-r', 'opaque', '--request-id', 'cli-id-2'], io)).toBe(
        0,
    );
    const { caller } = await statusJson('cli-id-2');
    expect(caller).toEqual({
        kind: 'cli',
        id: expect.stringMatching(/@/),
        osUser: caller.id,
        verified: false,
    });
});
