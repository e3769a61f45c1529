// Native ESM mode (see README "Testing"): the same suite loads NestJS 11 (CommonJS) and NestJS 12 (ESM only).
const base = {
  rootDir: '.',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }],
  },
  moduleNameMapper: {
    '^nestjs-app2wxapp$': '<rootDir>/lib/index.ts',
    '^nestjs-app2wxapp/testing$': '<rootDir>/lib/testing/index.ts',
  },
  modulePathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/sample/dist', '<rootDir>/test/smoke'],
};

// `npm test` runs everything that needs nothing but Node; `npm run test:services` (SERVICES=1) runs the suites that
// need real servers (PostgreSQL, Redis, Chromium), which `.ci/run` installs and starts.
const services = process.env.SERVICES === '1';
export default {
  ...base,
  testTimeout: 30000,
  testMatch: services
    ? ['<rootDir>/test/services/**/*.spec.ts', '<rootDir>/sample/test/services/**/*.spec.ts']
    : ['<rootDir>/lib/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts', '<rootDir>/test/e2e/**/*.spec.ts', '<rootDir>/sample/test/e2e/**/*.spec.ts'],
};
