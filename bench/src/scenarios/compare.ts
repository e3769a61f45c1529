import type { AdapterName } from '../app.process';
import type { Child } from '../ipc/child';
import { type LoadResult, load } from '../load';
import { paced } from '../paced';
import type { ProcessStats } from '../process-stats';
import { median } from '../stats';
import { TicketFeed } from '../ticket-feed';
import { exchangePath, POOL, startApp, startEmulator } from '../upstream';

export interface CompareSpec {
  adapter: AdapterName;
  connections: number;
  /** Emulator answer delay. */
  latencyMs: number;
  rounds: number;
  /** Requests per warm-up run of each route; the warm-up also sizes the measured runs. */
  warmupAmount: number;
  secondsPerRun: number;
  minAmount: number;
  maxAmount: number;
  /**
   * Also run both routes at an even rate, this share of the baseline's saturated throughput: latency without
   * queueing, i.e. the time the module adds to a login. 0 skips it.
   */
  fixedRateShare: number;
  fixedRateSeconds: number;
  /** Also measure the emulator alone, to show it is not the bottleneck. */
  emulatorDirect: boolean;
  /** Also run the Passport-composed route in the saturated rounds. */
  passport: boolean;
}

export interface Run extends LoadResult {
  /** Share of one core each process used during the run (1 = 100 %). */
  cpu: { app: number; emulator: number; loadGenerator: number };
  /** CPU time of the app process per answered request, in µs. */
  appCpuPerRequest: number;
}

export interface RoutePair {
  module: Run[];
  baseline: Run[];
  /** `AuthGuard('app2wxapp')`, the Passport-composed route: saturated runs only, no target. */
  passport?: Run[];
}

export interface CompareResult {
  spec: CompareSpec;
  amount: number;
  saturated: RoutePair;
  fixedRate?: RoutePair & { rate: number };
  emulatorDirect?: Run;
}

type AppChild = Child<{ url: string }>;

/** One app with `POST /login` (module) and `POST /baseline`, one emulator; runs A, B, A, B ... after a warm-up. */
export async function compare(spec: CompareSpec, log: (line: string) => void): Promise<CompareResult> {
  const emulator = await startEmulator({ latencyMs: spec.latencyMs });
  let app: AppChild | undefined;
  try {
    app = await startApp(emulator.info.url, { adapter: spec.adapter });
    const target = app;
    const measure = async (to: AppChild, path: string, amount: number, rate?: number, body?: (t: string) => string): Promise<Run> => {
      const feed = await new TicketFeed(emulator).fill(amount + spec.connections + 16);
      const take = () => feed.take();
      // No forced GC between runs: a server never gets one, and one before each run added 100-280 µs of CPU per
      // login to the module's next run against 60-80 µs without (bench/src/analysis.ts).
      const [e0, a0] = await Promise.all([emulator.call<ProcessStats>('stats'), target.call<ProcessStats>('stats')]);
      const r0 = process.cpuUsage();
      const t0 = performance.now();
      const result = rate
        ? await paced({ url: to.info.url, path, connections: spec.connections, amount, rate, take })
        : await load({ url: to.info.url, path, connections: spec.connections, amount, take, body });
      const wallMicros = (performance.now() - t0) * 1000;
      if (feed.starvedRequests) throw new Error(`${feed.starvedRequests} requests went out without a ticket`);
      const r1 = process.cpuUsage(r0);
      const [e1, a1] = await Promise.all([emulator.call<ProcessStats>('stats'), target.call<ProcessStats>('stats')]);
      return {
        ...result,
        cpu: {
          app: (a1.cpuMicros - a0.cpuMicros) / wallMicros,
          emulator: (e1.cpuMicros - e0.cpuMicros) / wallMicros,
          loadGenerator: (r1.user + r1.system) / wallMicros,
        },
        appCpuPerRequest: (a1.cpuMicros - a0.cpuMicros) / Math.max(1, result.requests),
      };
    };
    const pair = async (label: string, amount: number, rate?: number, withPassport = false): Promise<RoutePair> => {
      const out: RoutePair = { module: [], baseline: [], ...(withPassport ? { passport: [] } : {}) };
      for (let round = 1; round <= spec.rounds; round++) {
        // A, B in odd rounds and B, A in even ones: each pair of rounds is A B B A, so neither route always runs second.
        const moduleFirst = round % 2 === 1;
        const first = await measure(target, moduleFirst ? '/login' : '/baseline', amount, rate);
        const second = await measure(target, moduleFirst ? '/baseline' : '/login', amount, rate);
        const [a, b] = moduleFirst ? [first, second] : [second, first];
        out.module.push(a);
        out.baseline.push(b);
        log(`  ${label} ${round}: module ${describe(a)}`);
        log(`  ${label} ${round}: baseline ${describe(b)}`);
        if (out.passport) {
          const c = await measure(target, '/login-passport', amount, rate);
          out.passport.push(c);
          log(`  ${label} ${round}: passport ${describe(c)}`);
        }
      }
      return out;
    };

    const warmModule = await measure(target, '/login', spec.warmupAmount);
    const warmBaseline = await measure(target, '/baseline', spec.warmupAmount);
    if (spec.passport) await measure(target, '/login-passport', Math.round(spec.warmupAmount / 2));
    log(`  warm-up: module ${warmModule.rps.toFixed(0)} req/s, baseline ${warmBaseline.rps.toFixed(0)} req/s`);
    const size = (rps: number, seconds: number) => Math.round(Math.min(spec.maxAmount, Math.max(spec.minAmount, spec.connections, rps * seconds)));
    const amount = size(warmBaseline.rps, spec.secondsPerRun);

    const result: CompareResult = { spec, amount, saturated: await pair('saturated', amount, undefined, spec.passport) };
    if (spec.fixedRateShare > 0) {
      const rate = spec.fixedRateShare * median(result.saturated.baseline.map((r) => r.rps));
      // Sized by time alone (at least 400 logins for a p99): a slow machine's low rate must not stretch the run.
      const fixedAmount = Math.round(Math.max(400, rate * spec.fixedRateSeconds));
      result.fixedRate = { rate, ...(await pair(`${rate.toFixed(0)} req/s`, fixedAmount, rate)) };
    }
    if (spec.emulatorDirect) {
      const secret = JSON.stringify(POOL.secret);
      const direct = emulator as unknown as AppChild;
      result.emulatorDirect = await measure(direct, exchangePath(POOL.userPoolId), amount, undefined, (t) => `{"secret":${secret},"ticket":"${t}"}`);
      log(`  emulator alone: ${describe(result.emulatorDirect)}`);
    }
    return result;
  } finally {
    await app?.stop();
    await emulator.stop();
  }
}

function describe(run: Run): string {
  const failed = Object.entries(run.failures)
    .map(([s, n]) => `${n}×${s}`)
    .concat(run.errors ? [`${run.errors} errors`] : []);
  return (
    `${run.rps.toFixed(0)} req/s, p50 ${run.p50.toFixed(2)} p99 ${run.p99.toFixed(2)} max ${run.max.toFixed(1)} ms, ` +
    `app ${run.appCpuPerRequest.toFixed(0)} µs CPU/req, cpu app ${pct(run.cpu.app)} emulator ${pct(run.cpu.emulator)} ` +
    `autocannon ${pct(run.cpu.loadGenerator)}` +
    (failed.length ? `, FAILED ${failed.join(', ')}` : '')
  );
}

const pct = (share: number) => `${Math.round(share * 100)}%`;
