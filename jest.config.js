/** Unit tests sit beside the code (src/ and bench/); end-to-end suites live in test/. */
const transform = {
  '^.+\\.(t|j)s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
};
// Node 20 can require() ES modules, Jest cannot: these dependencies ship ESM only.
const transformIgnorePatterns = ['/node_modules/(?!(content-disposition|cookie|@fastify/cookie)/)'];
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      transformIgnorePatterns,
      slowTestThreshold: 30,
    },
  ],
};
