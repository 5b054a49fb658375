/** Unit tests sit beside the code; end-to-end suites live in test/. */
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] };
module.exports = {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      testTimeout: 120000,
    },
  ],
};
