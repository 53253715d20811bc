/** The reliability suite (`npm run test:reliability`): faults, crashes, duplicates, bad input, secrets. */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
    ...base,
    roots: ['<rootDir>/test/reliability'],
    testPathIgnorePatterns: ['/node_modules/'],
    testTimeout: 300000,
};
