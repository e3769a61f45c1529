import type { OverheadConfig } from './overhead.process';
import type { ReplaySoakConfig } from './replay-soak.process';
import type { CompareSpec } from './scenarios/compare';
import type { SoakSpec } from './scenarios/soak';
import type { TenantsConfig } from './tenants.process';

export interface Plan {
  express: CompareSpec;
  fastify: CompareSpec;
  slow: CompareSpec;
  soak: SoakSpec;
  overhead: OverheadConfig;
  /** Runs beside every other scenario, in its own process. */
  replay: ReplaySoakConfig;
  /** Tenants (forTenants) against a static pool, in-process. */
  tenants: TenantsConfig;
}

const saturated: Omit<CompareSpec, 'adapter'> = {
  connections: 10,
  latencyMs: 0,
  rounds: 3,
  warmupAmount: 2000,
  secondsPerRun: 1.5,
  minAmount: 1500,
  maxAmount: 40_000,
  fixedRateShare: 0.3,
  fixedRateSeconds: 1.5,
  emulatorDirect: true,
  passport: true,
};

/** Sized to finish in under 4 minutes on 2 cores, build included. */
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
  overhead: { logins: 3000, rounds: 5, warmup: 1000 },
  // About twice the module's best rate on this machine (3 500 logins/s, the Fastify soak), for 10 s more than the
  // default ticket lifetime: the store then holds two minutes of claims at that rate.
  replay: { rate: 7000, seconds: 130, ttlMs: 120_000 },
  tenants: { logins: 3000, rounds: 5, tenants: 10_000, unknown: 10_000 },
};

/** Proves that every scenario still runs (CI); its figures mean nothing. */
export const SMOKE: Plan = {
  express: { ...FULL.express, rounds: 1, warmupAmount: 100, minAmount: 200, maxAmount: 200, fixedRateShare: 0.3, fixedRateSeconds: 0.3 },
  fastify: { ...FULL.fastify, rounds: 1, warmupAmount: 100, minAmount: 200, maxAmount: 200, fixedRateShare: 0, emulatorDirect: false },
  slow: { ...FULL.slow, connections: 100, rounds: 1, warmupAmount: 100, minAmount: 200, maxAmount: 200, fixedRateShare: 0 },
  soak: { ...FULL.soak, logins: 600, checkpoint: 300, warmup: 100 },
  overhead: { logins: 300, rounds: 1, warmup: 100 },
  replay: { rate: 5000, seconds: 3, ttlMs: 1000 },
  tenants: { logins: 300, rounds: 1, tenants: 200, unknown: 200 },
};
