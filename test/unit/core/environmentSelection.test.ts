import { environmentsOfTypes } from '../../../src/core/engine/environmentSelection';

const listed = [
    { name: 'PRODUCTION', type: 'Production' },
    { name: 'SANDBOX', type: 'Sandbox' },
    { name: 'UAT', type: 'sandbox' },
    { name: 'UNTYPED' },
];

describe('environmentsOfTypes', () => {
    it('keeps every listed environment when the request names no type', () => {
        expect(environmentsOfTypes(listed, undefined)).toEqual(listed);
    });

    it('keeps the environments of the chosen types, the type compared without case', () => {
        expect(environmentsOfTypes(listed, ['Sandbox']).map((env) => env.name)).toEqual(['SANDBOX', 'UAT']);
        expect(environmentsOfTypes(listed, ['Production', 'Sandbox']).map((env) => env.name)).toEqual([
            'PRODUCTION',
            'SANDBOX',
            'UAT',
        ]);
    });

    it('never takes an environment whose type the service did not say for one of the chosen types', () => {
        expect(environmentsOfTypes(listed, ['Production']).map((env) => env.name)).toEqual(['PRODUCTION']);
    });
});
