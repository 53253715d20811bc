import { warmUp } from '../../../src/core/engine/discoverEnvironments';
import type { BcAdmin, BcAutomation, BcEnvironment } from '../../../src/core/ports/businessCentral';

const FAMILY = 'BusinessCentral';
const LISTED: BcEnvironment[] = [
    { applicationFamily: FAMILY, name: 'PRODUCTION', type: 'Production', status: 'Active' },
    { applicationFamily: FAMILY, name: 'SANDBOX', type: 'Sandbox', status: 'Active' },
    { applicationFamily: FAMILY, name: 'OLD', type: 'Sandbox', status: 'SoftDeleted' },
];

/** A BC whose environment listing is answered only when the test says so; company look-ups are recorded. */
function business() {
    let answer: (environments: BcEnvironment[]) => void = () => undefined;
    const prepared: string[] = [];
    const bcAdmin = {
        listEnvironments: () => new Promise<BcEnvironment[]>((resolve) => (answer = resolve)),
    } as unknown as BcAdmin;
    const bcAutomation = {
        prepare: async (environment: string) => {
            prepared.push(environment);
        },
    } as unknown as BcAutomation;
    return { bcAdmin, bcAutomation, prepared, answerListing: () => answer(LISTED) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('warmUp', () => {
    it("asks for named environments' companies beside the environment listing, not after it", async () => {
        const bc = business();
        const done = warmUp(bc.bcAdmin, bc.bcAutomation, {
            environments: ['PRODUCTION', 'UAT'],
            applicationFamily: FAMILY,
        });
        await settle();
        expect(bc.prepared).toEqual(['PRODUCTION', 'UAT']);
        bc.answerListing();
        await done;
    });

    it('with every environment, asks for the companies of the active ones of the chosen types once they are listed', async () => {
        const bc = business();
        const done = warmUp(bc.bcAdmin, bc.bcAutomation, {
            environments: 'all',
            environmentTypes: ['Sandbox'],
            applicationFamily: FAMILY,
        });
        await settle();
        expect(bc.prepared).toEqual([]);
        bc.answerListing();
        await done;
        expect(bc.prepared).toEqual(['SANDBOX']);
    });
});
