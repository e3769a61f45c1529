import { readFileSync } from 'node:fs';

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
    '^nestjs-app2wxapp/health$': '<rootDir>/lib/health/index.ts',
  },
  modulePathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/sample/dist', '<rootDir>/test/smoke'],
};

// @nestjs/throttler (used by the sample) is CommonJS and requires @nestjs/common, which is ESM-only from NestJS 12:
// Node loads that through require(esm), Jest 29's module runtime cannot. On NestJS 12 the sample is therefore tested
// as a real Node process (sample/test/services/compiled-start.spec.ts), and its in-process suites are left out.
const nestMajor = Number(JSON.parse(readFileSync(new URL('./node_modules/@nestjs/common/package.json', import.meta.url), 'utf8')).version.split('.')[0]);
const inProcessSample = ['<rootDir>/sample/test/e2e/', '<rootDir>/sample/test/services/(?!compiled-start)'];

// `npm test` runs everything that needs nothing but Node; `npm run test:services` (SERVICES=1) runs the suites that
// need real servers (PostgreSQL, Redis, Chromium), which `.ci/run` installs and starts.
const services = process.env.SERVICES === '1';
export default {
  ...base,
  testTimeout: 30000,
  testPathIgnorePatterns: ['/node_modules/', ...(nestMajor >= 12 ? inProcessSample : [])],
  testMatch: services
    ? ['<rootDir>/test/services/**/*.spec.ts', '<rootDir>/sample/test/services/**/*.spec.ts']
    : ['<rootDir>/lib/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts', '<rootDir>/test/e2e/**/*.spec.ts', '<rootDir>/sample/test/e2e/**/*.spec.ts'],
};
