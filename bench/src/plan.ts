import type { OverheadConfig } from './overhead.process';
import type { AppLaunchOverheadConfig } from './app-launch-overhead.process';
import type { AppLaunchSpec } from './scenarios/app-launch';
import type { CompareSpec } from './scenarios/compare';
import type { ReplaySoakSpec } from './scenarios/replay-soak';
import type { SoakSpec } from './scenarios/soak';
import type { TenantsConfig } from './tenants.process';

export interface Plan {
  express: CompareSpec;
  fastify: CompareSpec;
  slow: CompareSpec;
  soak: SoakSpec;
  overhead: OverheadConfig;
  /** Runs beside every other scenario, in its own process. */
  replay: ReplaySoakSpec;
  /** Tenants (forTenants) against a static pool, in-process. */
  tenants: TenantsConfig;
  /** The app-launch flow (v3) against a hand-written one, on each adapter. */
  appLaunch: AppLaunchSpec[];
  /** The app-launch flow's CPU per login in-process (no HTTP), module vs baseline. */
  appLaunchOverhead: AppLaunchOverheadConfig;
}

const saturated: Omit<CompareSpec, 'adapter'> = {
  connections: 10,
  latencyMs: 0,
  // Sixteen short rounds (A B, B A, ...): the ratios are the medians of the rounds' paired figures, and the shorter a
  // pair, the likelier both runs see the same machine (RESULTS.md, Method).
  rounds: 16,
  warmupAmount: 2000,
  secondsPerRun: 0.7,
  minAmount: 800,
  maxAmount: 40_000,
  fixedRateShare: 0.3,
  fixedRateSeconds: 1,
  emulatorDirect: true,
  passport: true,
};

/**
 * The emulator signs two RS256 tokens per app-launch sign-in (about 1.4 ms of CPU each here) and the app verifies one,
 * so a login costs several times a ticket login: a few hundred a second on 2 cores. Eight rounds, for the noise.
 */
const appLaunchSaturated: Omit<AppLaunchSpec, 'adapter'> = {
  connections: 10,
  latencyMs: 0,
  rounds: 8,
  warmupAmount: 600,
  secondsPerRun: 1.5,
  minAmount: 800,
  maxAmount: 20_000,
  fixedRateShare: 0.3,
  fixedRateSeconds: 1.5,
  emulatorDirect: true,
};

/** Sized to finish in about 5 minutes on 2 cores, build included (the app-launch rows take about half). */
export const FULL: Plan = {
  express: { adapter: 'express', ...saturated },
  fastify: { adapter: 'fastify', ...saturated },
  slow: {
    adapter: 'express',
    connections: 500,
    latencyMs: 100,
    rounds: 2,
    warmupAmount: 1000,
    secondsPerRun: 1.5,
    minAmount: 1500,
    maxAmount: 20_000,
    fixedRateShare: 0.3,
    fixedRateSeconds: 1.5,
    emulatorDirect: false,
    passport: false,
  },
  soak: { adapter: 'fastify', logins: 200_000, checkpoint: 25_000, connections: 50, warmup: 5000, ticketTtlMs: 20_000 },
  overhead: { logins: 3000, rounds: 9, warmup: 1000 },
  // The default store (1 000 000 claims, 120 s tickets) below, near, at and past its bound (8 333 claims/s), each for
  // 30 s more than a ticket lifetime: the last 30 s run on a store holding a full lifetime of claims.
  replay: { shares: [0.3, 0.95, 1, 1.1], maxEntries: 1_000_000, ttlMs: 120_000, seconds: 150 },
  tenants: { logins: 5000, rounds: 11, tenants: 10_000, unknown: 10_000 },
  appLaunch: [
    { adapter: 'express', ...appLaunchSaturated },
    { adapter: 'fastify', ...appLaunchSaturated },
  ],
  appLaunchOverhead: { logins: 2000, rounds: 9, warmup: 1000 },
};

/** Proves that every scenario still runs (CI); its figures mean nothing. */
export const SMOKE: Plan = {
  express: { ...FULL.express, rounds: 1, warmupAmount: 100, minAmount: 200, maxAmount: 200, fixedRateShare: 0.3, fixedRateSeconds: 0.3 },
  fastify: { ...FULL.fastify, rounds: 1, warmupAmount: 100, minAmount: 200, maxAmount: 200, fixedRateShare: 0, emulatorDirect: false },
  slow: { ...FULL.slow, connections: 100, rounds: 1, warmupAmount: 100, minAmount: 200, maxAmount: 200, fixedRateShare: 0 },
  soak: { ...FULL.soak, logins: 600, checkpoint: 300, warmup: 100 },
  overhead: { logins: 300, rounds: 1, warmup: 100 },
  replay: { shares: [0.3, 0.95, 1, 1.1], maxEntries: 20_000, ttlMs: 2000, seconds: 3 },
  tenants: { logins: 300, rounds: 1, tenants: 200, unknown: 200 },
  appLaunch: [{ ...FULL.appLaunch[0], rounds: 1, warmupAmount: 50, minAmount: 100, maxAmount: 100, fixedRateShare: 0, emulatorDirect: false }],
  appLaunchOverhead: { logins: 200, rounds: 1, warmup: 100 },
};
