/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: 'node',
    roots: ['<rootDir>/test'],
    // The reliability suite has its own command (npm run test:reliability).
    testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/reliability/'],
    testMatch: ['**/*.test.ts'],
    transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
    globalSetup: '<rootDir>/test/support/globalSetup.ts',
    globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
    setupFiles: ['<rootDir>/test/support/quietTestMode.ts'],
    testTimeout: 60000,
    // Integration files share one Azurite and start their own simulator; two workers fit the 2-core machines.
    maxWorkers: 2,
};
