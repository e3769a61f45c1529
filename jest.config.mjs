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

// NestJS 12 publishes ESM only, and CommonJS packages in the tree `require()` ESM-only packages (@nestjs/throttler
// requires @nestjs/common; @fastify/middie requires path-to-regexp 9). Jest 30 loads `require(esm)` from Node 24.9 on;
// below that, a NestJS 12 tree cannot be tested under Jest at all, so the config says so instead of failing 15 suites.
const nestMajor = Number(JSON.parse(readFileSync(new URL('./node_modules/@nestjs/common/package.json', import.meta.url), 'utf8')).version.split('.')[0]);
const [nodeMajor, nodeMinor] = process.versions.node.split('.').map(Number);
if (nestMajor >= 12 && (nodeMajor < 24 || (nodeMajor === 24 && nodeMinor < 9))) {
  throw new Error(`NestJS ${nestMajor} under Jest needs Node 24.9 or newer (require(esm) in Jest 30); this is Node ${process.versions.node}`);
}
// One case Jest 30 still cannot load: the sample imports @nestjs/throttler (CommonJS), whose require() of
// @nestjs/common 12 lands while Jest's ESM graph is still evaluating @nestjs/common ("Cannot require() ES Module …
// in a cycle"). Plain Node loads it, so on NestJS 12 the sample is tested as a real Node process
// (sample/test/services/compiled-start.spec.ts) and its in-process suites are left out.
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
