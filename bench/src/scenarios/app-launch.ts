import type { AdapterName } from '../app.process';
import type { AppLaunchOverheadConfig, AppLaunchOverheadResult } from '../app-launch-overhead.process';
import { Child as ChildProcess } from '../ipc/child';
import type { Child } from '../ipc/child';
import { load } from '../load';
import { paced } from '../paced';
import type { CodePair } from '../emulator.process';
import type { ProcessStats } from '../process-stats';
import { median } from '../stats';
import { CodePairFeed, codePairBody } from '../ticket-feed';
import { APP, SIGNIN_PATH, startApp, startEmulator } from '../upstream';
import type { CompareResult, CompareSpec, RoutePair, Run } from './compare';

/** The app-launch rows: like the ticket rows (CompareSpec), without the Passport route. */
export type AppLaunchSpec = Omit<CompareSpec, 'passport'>;

export const MODULE_ROUTE = '/app-launch';
export const BASELINE_ROUTE = '/baseline-app-launch';

type AppChild = Child<{ url: string }>;

/**
 * One app with the default ticket pool and the named app-launch pool; `POST /app-launch` (the module's guard of that
 * pool, verify 'id_token') against `POST /baseline-app-launch` (by hand, jose), run A, B, A, B after a warm-up. Every
 * request carries a fresh code pair the emulator issued just before the run. The emulator signs two RS256 tokens
 * (access_token and id_token) per sign-in, so it is much busier than in the ticket rows: see `emulatorDirect`.
 */
export async function appLaunch(spec: AppLaunchSpec, log: (line: string) => void): Promise<CompareResult> {
  const emulator = await startEmulator({ latencyMs: spec.latencyMs });
  let app: AppChild | undefined;
  try {
    app = await startApp(emulator.info.url, { adapter: spec.adapter as AdapterName, appLaunch: true });
    const target = app;
    const measure = async (to: AppChild, path: string, amount: number, rate?: number, direct = false): Promise<Run> => {
      const feed = await new CodePairFeed(emulator).fill(amount + spec.connections + 16);
      // Each request's whole body, built as autocannon asks for it.
      const bodyOf = direct ? signinBody : codePairBody;
      const take = () => bodyOf(feed.take());
      const body = (whole: string) => whole;
      // No forced GC between runs: a server never gets one, and one before each run added 100-280 µs of CPU per
      // login to the module's next run against 60-80 µs without (bench/src/analysis.ts).
      const [e0, a0] = await Promise.all([emulator.call<ProcessStats>('stats'), target.call<ProcessStats>('stats')]);
      const r0 = process.cpuUsage();
      const t0 = performance.now();
      const result = rate
        ? await paced({ url: to.info.url, path, connections: spec.connections, amount, rate, take, body })
        : await load({
            url: to.info.url,
            path,
            connections: spec.connections,
            amount,
            take,
            body,
            ...(direct ? { headers: { 'x-authing-app-id': APP.appId } } : {}),
          });
      const wallMicros = (performance.now() - t0) * 1000;
      if (feed.starvedRequests) throw new Error(`${feed.starvedRequests} requests went out without a code pair`);
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
    const pair = async (label: string, amount: number, rate?: number): Promise<RoutePair> => {
      const out: RoutePair = { module: [], baseline: [] };
      for (let round = 1; round <= spec.rounds; round++) {
        // A, B in odd rounds and B, A in even ones: each pair of rounds is A B B A, so neither route always runs second.
        const moduleFirst = round % 2 === 1;
        const first = await measure(target, moduleFirst ? MODULE_ROUTE : BASELINE_ROUTE, amount, rate);
        const second = await measure(target, moduleFirst ? BASELINE_ROUTE : MODULE_ROUTE, amount, rate);
        const [a, b] = moduleFirst ? [first, second] : [second, first];
        out.module.push(a);
        out.baseline.push(b);
        log(`  ${label} ${round}: module ${describe(a)}`);
        log(`  ${label} ${round}: baseline ${describe(b)}`);
      }
      return out;
    };

    const warmModule = await measure(target, MODULE_ROUTE, spec.warmupAmount);
    const warmBaseline = await measure(target, BASELINE_ROUTE, spec.warmupAmount);
    log(`  warm-up: module ${describe(warmModule)}`);
    log(`  warm-up: baseline ${describe(warmBaseline)}`);
    const size = (rps: number, seconds: number) => Math.round(Math.min(spec.maxAmount, Math.max(spec.minAmount, spec.connections, rps * seconds)));
    const amount = size(warmBaseline.rps, spec.secondsPerRun);

    const result: CompareResult = { spec: { ...spec, passport: false }, amount, saturated: await pair('saturated', amount) };
    if (spec.fixedRateShare > 0) {
      const rate = spec.fixedRateShare * median(result.saturated.baseline.map((r) => r.rps));
      const fixedAmount = Math.round(Math.max(400, rate * spec.fixedRateSeconds));
      result.fixedRate = { rate, ...(await pair(`${rate.toFixed(0)} req/s`, fixedAmount, rate)) };
    }
    if (spec.emulatorDirect) {
      result.emulatorDirect = await measure(emulator as unknown as AppChild, SIGNIN_PATH, amount, undefined, true);
      log(`  emulator alone (signin-by-mobile): ${describe(result.emulatorDirect)}`);
    }
    return result;
  } finally {
    await app?.stop();
    await emulator.stop();
  }
}

/** The v3 sign-in the module and the baseline send, for driving the emulator directly. */
function signinBody({ code, phoneInfoCode }: CodePair): string {
  return JSON.stringify({
    connection: 'wechat_mini_program_code_and_phone',
    extIdpConnidentifier: APP.connection,
    wechatMiniProgramCodeAndPhonePayload: { wxLoginInfo: { code }, wxPhoneInfo: { code: phoneInfoCode } },
    options: { scope: 'openid profile phone' },
    client_id: APP.appId,
    client_secret: APP.appSecret,
  });
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

/** The app-launch flow's in-process CPU per login (module vs baseline), in its own process like section 5. */
export async function appLaunchOverhead(config: AppLaunchOverheadConfig): Promise<AppLaunchOverheadResult> {
  const child = await ChildProcess.start('app-launch-overhead.process', 'app-launch overhead', config);
  try {
    return await child.call<AppLaunchOverheadResult>('run');
  } finally {
    await child.stop();
  }
}
