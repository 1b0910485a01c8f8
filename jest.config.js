/** Jest in ESM mode: libsignal, ts-mls and jose are ESM-only. SWC strips types; `npm run typecheck` checks them. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^@guardyn/client$': '<rootDir>/client/src/index.ts',
  },
  testMatch: ['<rootDir>/**/*.test.ts'],
  // test/faults/ runs on its own: `npm run test:faults` (jest.faults.config.js).
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/data/', '/test/bench/', '/test/faults/'],
  testTimeout: 30000,
  // A leak seen once in CI held jest open past its limit after every test had passed: exit
  // anyway, and name what was left open (test/support/open-handles-report.ts).
  forceExit: true,
  globalTeardown: '<rootDir>/test/support/open-handles-report.ts',
};
