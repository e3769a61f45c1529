import { ANALYSIS } from './analysis';
import type { AppLaunchOverheadResult } from './app-launch-overhead.process';
import type { Machine } from './machine';
import type { OverheadResult } from './overhead.process';
import type { TenantsResult } from './tenants.process';
import type { ReplaySoakResult } from './replay-soak.process';
import type { CompareResult, RoutePair, Run } from './scenarios/compare';
import { mb, type SoakResult } from './scenarios/soak';
import { median } from './stats';

export interface BenchResults {
  command: string;
  startedAt: Date;
  seconds: number;
  machine: Machine;
  express?: CompareResult;
  fastify?: CompareResult;
  slow?: CompareResult;
  soak?: SoakResult;
  overhead?: OverheadResult;
  tenants?: TenantsResult;
  /** The replay store at several shares of its bound, side by side. */
  replay?: ReplaySoakResult[];
  /** The app-launch flow (v3) against a hand-written one, one entry per adapter. */
  appLaunch?: CompareResult[];
  /** The app-launch flow's CPU per login in-process (no HTTP). */
  appLaunchOverhead?: AppLaunchOverheadResult;
  /** 1-minute load average when each scenario started: other work on the machine skews every figure. */
  loadAverages: Record<string, number>;
}

/** "A few ms" for the slow upstream is read as 5 ms. */
export const TARGETS = {
  throughputRatio: 0.95,
  appLaunchThroughputRatio: 0.97,
  addedP99Ms: 2,
  slowAddedP99Ms: 5,
  rssGrowthMb: 64,
  ownCpuMicros: 15,
  bytesPerEntry: 100,
};

export interface Summary {
  route: 'module' | 'baseline' | 'passport';
  rps: number;
  p50: number;
  p99: number;
  max: number;
  cpu: number;
  bytes: number;
  failed: number;
}

export function summarise(runs: Run[], route: Summary['route']): Summary {
  const m = (f: (r: Run) => number) => median(runs.map(f));
  return {
    route,
    rps: m((r) => r.rps),
    p50: m((r) => r.p50),
    p99: m((r) => r.p99),
    max: m((r) => r.max),
    cpu: m((r) => r.appCpuPerRequest),
    bytes: m((r) => r.bytesPerAnswer),
    failed: runs.reduce((n, r) => n + r.errors + Object.values(r.failures).reduce((a, b) => a + b, 0), 0),
  };
}

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const signed = (n: number, digits = 2) => (n >= 0 ? '+' : '') + n.toFixed(digits);
const mark = (ok: boolean) => (ok ? 'met' : '**missed**');

function pairTable(pair: RoutePair, withThroughput: boolean): string {
  const a = summarise(pair.module, 'module');
  const b = summarise(pair.baseline, 'baseline');
  const head = withThroughput
    ? '| route | req/s | p50 ms | p99 ms | max ms | app CPU µs/login | bytes/answer | non-2xx + errors |\n|---|---:|---:|---:|---:|---:|---:|---:|'
    : '| route | p50 ms | p99 ms | max ms | app CPU µs/login | non-2xx + errors |\n|---|---:|---:|---:|---:|---:|';
  const row = (s: Summary) =>
    withThroughput
      ? `| ${s.route} | ${f0(s.rps)} | ${f2(s.p50)} | ${f2(s.p99)} | ${f1(s.max)} | ${f0(s.cpu)} | ${f0(s.bytes)} | ${s.failed} |`
      : `| ${s.route} | ${f2(s.p50)} | ${f2(s.p99)} | ${f1(s.max)} | ${f0(s.cpu)} | ${s.failed} |`;
  const diff = withThroughput
    ? `| module − baseline | ×${f2(a.rps / b.rps)} | ${signed(a.p50 - b.p50)} | ${signed(a.p99 - b.p99)} | ${signed(a.max - b.max, 1)} | ${signed(a.cpu - b.cpu, 0)} | | |`
    : `| module − baseline | ${signed(a.p50 - b.p50)} | ${signed(a.p99 - b.p99)} | ${signed(a.max - b.max, 1)} | ${signed(a.cpu - b.cpu, 0)} | |`;
  const rows = [head, row(a), row(b), diff];
  if (withThroughput && pair.passport?.length) {
    const c = summarise(pair.passport, 'passport');
    rows.push(
      row({ ...c, route: "passport: `AuthGuard('app2wxapp')`" as Summary['route'] }),
      `| passport − baseline | ×${f2(c.rps / b.rps)} | ${signed(c.p50 - b.p50)} | ${signed(c.p99 - b.p99)} | ${signed(c.max - b.max, 1)} | ${signed(c.cpu - b.cpu, 0)} | | |`,
    );
  }
  return rows.join('\n');
}

function rounds(pair: RoutePair, pick: (r: Run) => number, digits = 0): string {
  const list = (runs: Run[]) => runs.map((r) => pick(r).toFixed(digits)).join(', ');
  return `module ${list(pair.module)}; baseline ${list(pair.baseline)}` + (pair.passport?.length ? `; passport ${list(pair.passport)}` : '');
}

function cpuShares(pair: RoutePair): string {
  const all = [...pair.module, ...pair.baseline];
  const share = (f: (r: Run) => number) => `${Math.round(median(all.map(f)) * 100)} %`;
  return `app ${share((r) => r.cpu.app)}, emulator ${share((r) => r.cpu.emulator)}, autocannon ${share((r) => r.cpu.loadGenerator)}`;
}

function compareSection(n: number, title: string, c: CompareResult): string {
  const a = summarise(c.saturated.module, 'module');
  const b = summarise(c.saturated.baseline, 'baseline');
  const out = [
    `## ${n}. ${title}`,
    '',
    `${c.spec.connections} connections, upstream latency ${c.spec.latencyMs} ms, ${c.amount} logins per run, ` +
      `${c.spec.rounds} rounds run A, B then B, A (A B B A ...) after a warm-up of ${c.spec.warmupAmount} logins per route. Medians over the rounds.`,
    '',
    `**As fast as it goes** (throughput ratio module/baseline **${f2(throughputRatio(c.saturated))}**, the median of the rounds' paired ratios ` +
      `${pairedRatios(c.saturated).map(f2).join(', ')}; the ratio of the medians below is ${f2(a.rps / b.rps)}):`,
    '',
    pairTable(c.saturated, true),
    '',
    `Rounds, req/s: ${rounds(c.saturated, (r) => r.rps)}.`,
    `CPU used during these runs, share of one core (median): ${cpuShares(c.saturated)}.`,
  ];
  if (c.fixedRate) {
    const fa = summarise(c.fixedRate.module, 'module');
    const fb = summarise(c.fixedRate.baseline, 'baseline');
    out.push(
      '',
      `**At an equal, fixed load** of ${f0(c.fixedRate.rate)} req/s (${Math.round(c.spec.fixedRateShare * 100)} % of the baseline's throughput, so ` +
        `neither route queues): the latency the module adds to a login is p50 ${signed(fa.p50 - fb.p50)} ms, p99 ${signed(pairedP99(c.fixedRate))} ms (p99: the median of the rounds' paired differences).`,
      '',
      pairTable(c.fixedRate, false),
      '',
      `Rounds, p99 ms: ${rounds(c.fixedRate, (r) => r.p99, 2)}.`,
    );
  }
  if (c.emulatorDirect) {
    const e = c.emulatorDirect;
    out.push(
      '',
      `**The emulator is not the bottleneck:** driven directly with the same connections and fresh tickets it answers ` +
        `${f0(e.rps)} req/s (×${f1(e.rps / b.rps)} the baseline's rate), and during the runs above it used ` +
        `${Math.round(median([...c.saturated.module, ...c.saturated.baseline].map((r) => r.cpu.emulator)) * 100)} % of a core.`,
    );
  }
  return out.join('\n');
}

const adapterTitle = (c: CompareResult) => (c.spec.adapter === 'fastify' ? 'Fastify' : 'Express');

/** The module's own CPU per login in a pair of runs: the app process's CPU per answer, module minus baseline (medians). */
export function ownCpu(pair: RoutePair): number {
  return summarise(pair.module, 'module').cpu - summarise(pair.baseline, 'baseline').cpu;
}

function appLaunchSection(list: CompareResult[], r: BenchResults): string {
  const first = list[0];
  const out = [
    '## 7. App-launch flow (v3) against a hand-written one',
    '',
    "The same app also holds a named app-launch pool (`name: 'app-launch'`, `flow: 'app-launch'`, `clientAuth: 'client_secret_post'`, " +
      "`verify: 'id_token'`, `idTokenAlg: 'RS256'`, every other option at its default) beside the default ticket pool, and two more routes: " +
      "`POST /app-launch` behind `App2WxappGuard.forPool('app-launch')`, and `POST /baseline-app-launch`, a hand-written controller " +
      "([baseline-app-launch.controller.ts](src/app/baseline-app-launch.controller.ts)) that checks the two codes' shape, posts " +
      '`/api/v3/signin-by-mobile` through the same `HttpService` and keep-alive agent with a 5 s timeout, checks the HTTP status and ' +
      '`statusCode === 200`, verifies `data.id_token` with jose (`createRemoteJWKSet` created once, `jwtVerify` with issuer, audience, ' +
      "`algorithms: ['RS256']`) and returns its claims. Both verify the id_token locally and call no get-profile, so the work compared is the " +
      'same; the baseline has no replay store and no circuit breaker, as the ticket baseline. Every request carries a fresh code pair ' +
      '(`{ code, phoneInfoCode }`) the emulator issued just before the run.',
    '',
    `${first.spec.connections} connections, upstream latency ${first.spec.latencyMs} ms, ${first.spec.rounds} rounds run A, B then B, A (A B B A ...) after a warm-up of ` +
      `${first.spec.warmupAmount} logins per route; medians over the rounds. **The emulator signs two RS256 tokens per sign-in** (access_token and ` +
      'id_token, about 1.4 ms of CPU each on these machines) and shares the two cores with the app, so a login costs several times a ticket ' +
      "login and the rates are low and noisy. The throughput ratio is the median of the rounds' paired ratios (the module's rate / the baseline's " +
      'run right before or after it), as in sections 1 and 2; ' +
      "the app's CPU per login, module − baseline, is the steadier figure of the module's own cost, and the in-process row below isolates it.",
    '',
    '| | ' + list.map(adapterTitle).join(' | ') + ' | target |',
    '|---|' + list.map(() => '---:|').join('') + '---|',
    `| throughput module/baseline, saturated: median of the paired ratios (each round's) | ${list.map((c) => `${f2(throughputRatio(c.saturated))} (${pairedRatios(c.saturated).map(f2).join(', ')})`).join(' | ')} | ≥ ${TARGETS.appLaunchThroughputRatio} |`,
    `| the ratio of the medians, for comparison | ${list.map((c) => f2(summarise(c.saturated.module, 'module').rps / summarise(c.saturated.baseline, 'baseline').rps)).join(' | ')} | |`,
    `| the module's own CPU per login (app CPU µs per answer, module − baseline), saturated | ${list.map((c) => `${signed(ownCpu(c.saturated), 0)} µs`).join(' | ')} | reported |`,
    `| the same at the equal, fixed load | ${list.map((c) => (c.fixedRate ? `${signed(ownCpu(c.fixedRate), 0)} µs` : 'n/a')).join(' | ')} | reported |`,
    `| added p99 at the equal, fixed load | ${list.map((c) => (c.fixedRate ? `${signed(pairedP99(c.fixedRate))} ms` : 'n/a')).join(' | ')} | reported |`,
  ];
  for (const c of list) {
    const b = summarise(c.saturated.baseline, 'baseline');
    out.push(
      '',
      `### ${adapterTitle(c)}`,
      '',
      `**As fast as it goes** (${c.amount} logins per run):`,
      '',
      pairTable(c.saturated, true),
      '',
      `Rounds, req/s: ${rounds(c.saturated, (r) => r.rps)}. Rounds, app CPU µs/login: ${rounds(c.saturated, (r) => r.appCpuPerRequest)}.`,
      `CPU used during these runs, share of one core (median): ${cpuShares(c.saturated)}.`,
    );
    if (c.fixedRate) {
      out.push(
        '',
        `**At an equal, fixed load** of ${f0(c.fixedRate.rate)} req/s (${Math.round(c.spec.fixedRateShare * 100)} % of the baseline's throughput):`,
        '',
        pairTable(c.fixedRate, false),
        '',
        `Rounds, p99 ms: ${rounds(c.fixedRate, (r) => r.p99, 2)}. Rounds, app CPU µs/login: ${rounds(c.fixedRate, (r) => r.appCpuPerRequest)}.`,
      );
    }
    if (c.emulatorDirect) {
      const e = c.emulatorDirect;
      const bound = e.rps < 1.5 * b.rps;
      out.push(
        '',
        `**The emulator alone**, \`signin-by-mobile\` driven directly with the same connections and fresh code pairs: ${f0(e.rps)} req/s ` +
          `(×${f1(e.rps / b.rps)} the baseline's rate, ${Math.round(e.cpu.emulator * 100)} % of a core, ${f0(e.ok)} of ${f0(e.requests)} answered 2xx). ` +
          (bound
            ? "It is close to the routes' rates: with the app beside it on two cores, it limits these runs as much as the app does, which pulls the throughput ratio towards 1."
            : 'It is not the bottleneck.'),
      );
    }
  }
  const o = r.appLaunchOverhead;
  if (o) {
    const m = o.medians;
    out.push(
      '',
      '### In-process CPU per login',
      '',
      `As section 5 for the ticket flow: ${o.logins.toLocaleString('en')} sequential logins per round, ${o.rounds} rounds in rotating order, one process, no HTTP ` +
        `server; the HTTP layer is an axios adapter answering at once with a real ${o.answerBytes}-byte sign-in answer of the emulator (its RS256 id_token) ` +
        "and, for the module's first key fetch, its real JWKS. Both verify the same id_token with jose each login.",
      '',
      '| path | what runs | µs CPU/login (median) | rounds |',
      '|---|---|---:|---|',
      `| baseline | the hand-written controller on the body: axios post, status, \`statusCode\`, \`jwtVerify\` | ${f1(m.baseline)} | ${o.cpu.baseline.map(f1).join(', ')} |`,
      `| \`App2WxappAuthenticator.authenticate\` (pool 'app-launch') | + code checks, deadline, bulkhead/breaker, answer parsing, id_token rules, code digest, replay claim, profile, telemetry | ${f1(m.authenticator)} | ${o.cpu.authenticator.map(f1).join(', ')} |`,
      `| \`App2WxappGuard.forPool('app-launch')\`, Express request | + the execution context, code extraction, \`request.user\` | ${f1(m.guardExpress)} | ${o.cpu.guardExpress.map(f1).join(', ')} |`,
      '',
      `**The module's own code costs ${f1(m.guardExpress - m.baseline)} µs of CPU per app-launch login on an Express request** on top of the baseline ` +
        `(${f1(m.authenticator - m.baseline)} µs in the authenticator and client, ${f1(m.guardExpress - m.authenticator)} µs in the guard).`,
    );
  }
  return out.join('\n');
}

/** Each round's module rate over the baseline's rate in the same round (run right before or after it). */
function pairedRatios(pair: RoutePair, route: 'module' | 'passport' = 'module'): number[] {
  return (pair[route] ?? []).map((m, i) => m.rps / pair.baseline[i].rps);
}

/** The p99 the module adds: the median of the rounds' paired differences, like the throughput ratio. */
function pairedP99(pair: RoutePair): number {
  return median(pair.module.map((m, i) => m.p99 - pair.baseline[i].p99));
}

/**
 * The throughput ratio: the median of the rounds' paired ratios. On these shared 2-core machines the rate of the same
 * code moves by up to 2× within a minute; two runs side by side see nearly the same machine, the medians of all the
 * rounds do not (Method).
 */
function throughputRatio(pair: RoutePair, route: 'module' | 'passport' = 'module'): number {
  const list = pairedRatios(pair, route);
  return list.length ? median(list) : Number.NaN;
}

function slowSection(c: CompareResult): string {
  const out = [
    '## 3. Slow upstream',
    '',
    `Express; the emulator answers after ${c.spec.latencyMs} ms; ${c.spec.connections} connections; ${c.spec.rounds} rounds A, B; medians.`,
    '',
    `**${c.spec.connections} connections as fast as they go** (${c.amount} logins per run). On this machine neither route can serve ` +
      `${c.spec.connections} / ${c.spec.latencyMs} ms = ${f0((c.spec.connections * 1000) / c.spec.latencyMs)} logins per second, so both are bound by the app's CPU ` +
      'and their latency is mostly queueing: the p99 difference follows the CPU cost per login, not the upstream wait.',
    '',
    pairTable(c.saturated, true),
    '',
    `Rounds, p99 ms: ${rounds(c.saturated, (r) => r.p99, 1)}.`,
    `CPU used during these runs, share of one core (median): ${cpuShares(c.saturated)}.`,
  ];
  if (c.fixedRate) {
    const fa = summarise(c.fixedRate.module, 'module');
    const fb = summarise(c.fixedRate.baseline, 'baseline');
    out.push(
      '',
      `**${c.spec.connections} connections at an equal, fixed ${f0(c.fixedRate.rate)} req/s** (${Math.round(c.spec.fixedRateShare * 100)} % of the baseline's ` +
        `throughput above, about ${f0((c.fixedRate.rate * c.spec.latencyMs) / 1000)} exchanges in flight): module p99 − baseline p99 ` +
        `**${signed(pairedP99(c.fixedRate))} ms** (the median of the rounds' paired differences), p50 ${signed(fa.p50 - fb.p50)} ms.`,
      '',
      pairTable(c.fixedRate, false),
      '',
      `Rounds, p99 ms: ${rounds(c.fixedRate, (r) => r.p99, 1)}.`,
    );
  }
  return out.join('\n');
}

function soakSection(s: SoakResult): string {
  const growth = s.after.rss - s.before.rss;
  const failed = Object.entries(s.failures)
    .map(([k, v]) => `${v} × ${k}`)
    .concat(s.errors ? [`${s.errors} socket errors`] : []);
  return [
    '## 4. Soak',
    '',
    `${s.spec.logins.toLocaleString('en')} logins with distinct tickets in one continuous run on ${s.spec.adapter}, ${s.spec.connections} connections, ` +
      `after a warm-up of ${s.spec.warmup.toLocaleString('en')} logins: ${f0(s.rps)} req/s, p50 ${f1(s.p50)} ms, p99 ${f1(s.p99)} ms; ` +
      `${s.ok.toLocaleString('en')} answered 200, ${failed.length ? `**${failed.join(', ')}**` : 'none failed'}.`,
    '',
    `The emulator's tickets live ${s.spec.ticketTtlMs / 1000} s and the module's \`ticketTtlMs\` is set to the same (200 000 logins take ` +
      'less than the default 120 s here; section 6 runs the store for longer than that); the default replay store ' +
      '(`MemoryTicketReplayStore`) is passed explicitly only so that its size can be read.',
    '',
    '| | RSS | heap used | heap total | external | replay-store entries |',
    '|---|---:|---:|---:|---:|---:|',
    `| before (after warm-up and a full GC) | ${mb(s.before.rss)} | ${mb(s.before.heapUsed)} | ${mb(s.before.heapTotal)} | ${mb(s.before.external)} | ${s.before.replayStoreSize} |`,
    `| peak (sampled every 250 ms) | ${mb(s.peak.rss)} | ${mb(s.peak.heapUsed)} | | | ${s.peak.replayStoreSize} |`,
    `| after (full GC) | ${mb(s.after.rss)} | ${mb(s.after.heapUsed)} | ${mb(s.after.heapTotal)} | ${mb(s.after.external)} | ${s.after.replayStoreSize} |`,
    `| **growth after − before** | **${mb(growth)}** | ${mb(s.after.heapUsed - s.before.heapUsed)} | | | |`,
    '',
    `Every ${s.spec.checkpoint.toLocaleString('en')} logins, a full GC during the run, then: ` +
      s.timeline
        .map(
          (t) =>
            `${(t.logins / 1000).toFixed(0)}k: ${(t.heapUsed / 1048576).toFixed(1)} MB heap, ${(t.rss / 1048576).toFixed(0)} MB RSS, ${t.replayStoreSize} entries`,
        )
        .join('; ') +
      `. The emulator process ended at ${mb(s.emulatorRss)} RSS.`,
  ].join('\n');
}

function overheadSection(o: OverheadResult): string {
  const m = o.medians;
  const row = (name: string, what: string, v: number[] | undefined) =>
    v ? `| ${name} | ${what} | ${f1(median(v))} | ${v.map(f1).join(', ')} |` : undefined;
  return [
    '## 5. In-process overhead',
    '',
    `CPU time per login (\`process.cpuUsage\`), ${o.logins.toLocaleString('en')} sequential logins per round, ${o.rounds} rounds in rotating order, ` +
      `in one process with no HTTP server. The HTTP layer is replaced by an axios adapter that answers at once with a real ` +
      `${o.answerBytes}-byte answer of the emulator; everything above it is the real code (default options, memory replay store). ` +
      'Requests (and their execution contexts) are built before the clock starts, the same way for the baseline and the guards, ' +
      'so that only the work of the code under test is timed.',
    '',
    '| path | what runs | µs CPU/login (median) | rounds |',
    '|---|---|---:|---|',
    row('baseline', "the hand-written controller on an Express request's body: axios post, JSON, `code`, `data`", o.cpu.baseline),
    row('`App2WxappClient.exchangeTicket`', '+ shape check, deadline, bulkhead/breaker/retry, answer parsing, profile mapping', o.cpu.client),
    row('`App2WxappAuthenticator.authenticate`', '+ SHA-256 digest, replay-store claim, blocked/deleted check, telemetry', o.cpu.authenticator),
    row(
      '`App2WxappGuard.canActivate`, Node request',
      '+ the execution context, ticket extraction, `request.user`, on an `IncomingMessage`',
      o.cpu.guard,
    ),
    row('`App2WxappGuard.canActivate`, Express request', 'the same on a request whose prototype Express replaced', o.cpu.guardExpress),
    row(
      "`AuthGuard('app2wxapp')`, Express request",
      'the Passport-composed route: @nestjs/passport, `passport.authenticate`, the strategy, then the same pipeline',
      o.cpu.passportExpress,
    ),
    '',
    `**The module's own code costs ${f1(m.guardExpress - m.baseline)} µs of CPU per login on an Express request** on top of the baseline ` +
      `(target ≤ ${TARGETS.ownCpuMicros} µs: ${mark(m.guardExpress - m.baseline <= TARGETS.ownCpuMicros)}): ` +
      `${f1(m.client - m.baseline)} µs in the client (deadline, resilience policies, parsing, mapping), ` +
      `${f1(m.authenticator - m.client)} µs in the authenticator (digest, replay claim, checks), ` +
      `${f1(m.guardExpress - m.authenticator)} µs in the guard (context, extraction, \`request.user\` on an Express request; ${f1(m.guard - m.authenticator)} µs on a plain Node request). ` +
      `Through Passport (\`AuthGuard('app2wxapp')\`) the same login costs ${f1(m.passportExpress - m.baseline)} µs above the baseline, ${f1(m.passportExpress - m.guardExpress)} µs more than the guard.`,
  ]
    .filter((line) => line !== undefined)
    .join('\n');
}

/** The fastest rate whose CPU per claim on a full store (mean and p99) stayed within 3× the 30 % run's, with no 503. */
export function sustainedRate(list: ReplaySoakResult[]): ReplaySoakResult | undefined {
  const base = list.find((p) => p.config.share <= 0.3);
  if (!base) return undefined;
  const ok = list.filter((p) => p.full === 0 && p.steady.meanMicros <= 3 * base.steady.meanMicros && p.steady.p99Micros <= 3 * base.steady.p99Micros);
  return ok.sort((x, y) => y.config.rate - x.config.rate)[0];
}

function replaySection(list: ReplaySoakResult[], peak: number): string {
  const first = list[0];
  const bound = (first.config.maxEntries ?? 1_000_000) / (first.config.ttlMs / 1000);
  const base = list.find((p) => p.config.share <= 0.3);
  const sustained = sustainedRate(list);
  const pct = (p: ReplaySoakResult) => `${Math.round(p.config.share * 100)} %`;
  const row = (p: ReplaySoakResult) =>
    `| ${pct(p)} | ${f0(p.config.rate)} | ${f2(p.cost.meanMicros)} | ${f2(p.steady.meanMicros)} | ${f2(p.steady.p99Micros)} | ` +
    `${f2(p.cost.worstBatchMicros / 1000)} | ${f2(p.worstClaimMs)} | ${p.full.toLocaleString('en')} | ${p.skipped.toLocaleString('en')} | ${p.refused} | ` +
    `${p.maxSize.toLocaleString('en')} | ${f1(p.bytesPerEntry)} |`;
  return [
    '## 6. Default replay store, below, at and past its bound',
    '',
    `\`MemoryTicketReplayStore\` (bound ${(first.config.maxEntries ?? 1_000_000).toLocaleString('en')} claims, \`ticketTtlMs\` ${first.config.ttlMs / 1000} s, so ` +
      `${f0(bound)} claims/s fill it) claiming new SHA-256 keys at ${list.map(pct).join(', ')} of that rate, for ${f0(first.seconds)} s each: ` +
      "one process per rate, all at once, after the other scenarios (alone: they make about 28 000 claims a second). Keys are hashed before each millisecond's claims, outside the " +
      'measured CPU: `process.cpuUsage()` around those `claimNow` calls, summed per 10 ms batch; and "after one ttl" covers only the batches after the first ticket ' +
      'lifetime, when the store holds a lifetime of claims. Claims are made every millisecond, as a server would see them; a tick more than 40 ms behind its schedule drops the excess (skipped).',
    '',
    '| rate | claims/s | CPU µs/claim, whole run | CPU µs/claim after one ttl, mean | p99 of batches | worst 10 ms batch, CPU ms | worst claim ms (wall) | 503 | skipped | false "already used" | entries at most | bytes/entry |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...list.map(row),
    '',
    ...list.map((p) => `Entries every 10 s at ${pct(p)}: ${p.timeline.map((t) => `${t.second} s ${t.size.toLocaleString('en')}`).join(', ')}.`),
    '',
    sustained && base
      ? `**Sustained: ${f0(sustained.config.rate)} new logins per second** (${pct(sustained)} of the bound, the fastest rate run here whose CPU per claim ` +
        `after one ttl, ${f2(sustained.steady.meanMicros)} µs, stayed within 3× the 30 % run's ${f2(base.steady.meanMicros)} µs, and its p99 within 3× too, with no 503): ` +
        (peak > 1
          ? `×${f1(sustained.config.rate / peak)} the module's best login rate in this run (${f0(peak)}/s).`
          : 'no login scenario ran in this run.')
      : "No run met the sustained criterion (no 503, CPU per claim within 3× the 30 % run's).",
  ].join('\n');
}

export function renderResults(r: BenchResults): string {
  const lines: string[] = [];
  const ratio = (c?: CompareResult) => (c ? throughputRatio(c.saturated) : Number.NaN);
  const addedP99 = (c?: CompareResult) => {
    const pair = c?.fixedRate ?? c?.saturated;
    return pair ? pairedP99(pair) : Number.NaN;
  };
  const passportRatio = (c?: CompareResult) => (c ? throughputRatio(c.saturated, 'passport') : Number.NaN);
  const slowAdded = addedP99(r.slow);
  const growthMb = r.soak ? (r.soak.after.rss - r.soak.before.rss) / 1048576 : Number.NaN;

  lines.push(
    '# Benchmark results',
    '',
    `Generated by \`${r.command}\` on ${r.startedAt.toISOString()}; the whole run took ${f0(r.seconds)} s. ` +
      'Source: [bench/src](src). Reproduce with `npm ci && npm run bench`.',
    '',
    '## Headline',
    '',
    '| target | Express | Fastify | |',
    '|---|---:|---:|---|',
    `| throughput module/baseline ≥ ${TARGETS.throughputRatio} | ${f2(ratio(r.express))} | ${f2(ratio(r.fastify))} | ${mark(ratio(r.express) >= TARGETS.throughputRatio && ratio(r.fastify) >= TARGETS.throughputRatio)} |`,
    `| added p99 ≤ ${TARGETS.addedP99Ms} ms (at an equal fixed load) | ${signed(addedP99(r.express))} ms | ${signed(addedP99(r.fastify))} ms | ${mark(addedP99(r.express) <= TARGETS.addedP99Ms && addedP99(r.fastify) <= TARGETS.addedP99Ms)} |`,
    `| slow upstream (100 ms, 500 connections, equal fixed load): added p99 within a few ms | ${signed(slowAdded)} ms | | ${mark(slowAdded <= TARGETS.slowAddedP99Ms)} |`,
    `| RSS growth after the soak ≤ ${TARGETS.rssGrowthMb} MB | ${signed(growthMb, 1)} MB | | ${mark(growthMb <= TARGETS.rssGrowthMb)} |`,
    ...(r.replay
      ? r.replay.map(
          (p) =>
            `| replay store at ${Math.round(p.config.share * 100)} % of its bound (${f0(p.config.rate)} claims/s, ${f0(p.seconds)} s): CPU per claim after one ttl ${f2(p.steady.meanMicros)} µs, ` +
            `${p.config.share < 1 ? 'no 503' : '503s only for the excess'} | ${p.full} × 503 | | ${mark(p.refused === 0 && (p.config.share < 1 ? p.full === 0 : p.full <= Math.max(p.claims * (1 - 1 / p.config.share) * 1.5, p.claims * 0.001)))} |`,
        )
      : []),
    ...(r.replay?.length
      ? [
          `| replay store bytes per live entry ≤ ${TARGETS.bytesPerEntry} | ${f1(Math.max(...r.replay.map((p) => p.bytesPerEntry)))} | | ${mark(r.replay.every((p) => p.bytesPerEntry <= TARGETS.bytesPerEntry))} |`,
        ]
      : []),
    `| module's own CPU per login in-process, Express request ≤ ${TARGETS.ownCpuMicros} µs (section 5) | ${r.overhead ? `${f1(r.overhead.medians.guardExpress - r.overhead.medians.baseline)} µs` : 'n/a'} | | ${r.overhead ? mark(r.overhead.medians.guardExpress - r.overhead.medians.baseline <= TARGETS.ownCpuMicros) : ''} |`,
    ...(r.appLaunch?.length
      ? [
          `| app-launch flow (section 7), throughput module/baseline ≥ ${TARGETS.appLaunchThroughputRatio} | ${appLaunchCell(r.appLaunch, 'express', ratio)} | ${appLaunchCell(r.appLaunch, 'fastify', ratio)} | ` +
            `${mark(r.appLaunch.every((c) => ratio(c) >= TARGETS.appLaunchThroughputRatio))} |`,
          `| app-launch flow, the module's own CPU per login (app CPU per answer, module − baseline, saturated) | ${appLaunchCell(r.appLaunch, 'express', (c) => ownCpu(c!.saturated), ' µs')} | ${appLaunchCell(r.appLaunch, 'fastify', (c) => ownCpu(c!.saturated), ' µs')} | |`,
          ...(r.appLaunchOverhead
            ? [
                `| app-launch flow, the module's own CPU per login in-process, Express request (section 7) | ${f1(r.appLaunchOverhead.medians.guardExpress - r.appLaunchOverhead.medians.baseline)} µs | | |`,
              ]
            : []),
        ]
      : []),
    `| Passport-composed route \`AuthGuard('app2wxapp')\`, throughput / baseline (no target) | ${f2(passportRatio(r.express))} | ${f2(passportRatio(r.fastify))} | |`,
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${r.machine.cpu}, ${r.machine.cores} cores |`,
    `| memory | ${r.machine.memoryGb} GB |`,
    `| OS | ${r.machine.os} |`,
    `| Node | ${r.machine.node} |`,
    `| NestJS | ${r.machine.versions['@nestjs/core']} (platform-express ${r.machine.versions['@nestjs/platform-express']}, platform-fastify ${r.machine.versions['@nestjs/platform-fastify']}, passport ${r.machine.versions['@nestjs/passport']}, axios ${r.machine.versions['@nestjs/axios']}) |`,
    `| libraries | express ${r.machine.versions.express}, fastify ${r.machine.versions.fastify}, axios ${r.machine.versions.axios}, autocannon ${r.machine.versions.autocannon} |`,
    `| 1-minute load average when each part started | ${Object.entries(r.loadAverages)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ')} |`,
    '',
    '## Method',
    '',
    '- Three processes: the load generator (autocannon 8, driven from `bench/src/load.ts`), the Nest app under test, and ' +
      "the package's `App2WxappEmulator`, each forked on its own so that the app's CPU and memory are measured alone. " +
      'Everything listens on 127.0.0.1.',
    "- One app serves every route: `POST /login` behind `App2WxappGuard`, `POST /login-passport` behind `AuthGuard('app2wxapp')` (the Passport-composed route), both with the default options (only `userPoolId`, " +
      '`secret` and `host` are set), and `POST /baseline`, a hand-written controller ([baseline.controller.ts](src/app/baseline.controller.ts)) ' +
      'that posts the ticket to the same emulator through `HttpService` with the same keep-alive agent settings, checks `code`, ' +
      "decodes `data`, refuses blocked or deleted users and returns Authing's user without its token.",
    '- Every request carries its own fresh, valid ticket: the emulator process issues them (an HMAC each) in one batch just ' +
      "before each run (in the soak, in batches of 8 000 as the run goes) and hands them over IPC; autocannon's " +
      "`setupRequest` puts one in each request body. Tickets live 30 s (20 s in the soak), which keeps the emulator's " +
      'ticket map small; the emulator keeps idle connections open for 120 s, so no run starts on a connection it is closing.',
    '- "As fast as it goes" runs are autocannon with a fixed number of connections, each sending its next request when ' +
      'the previous answer arrives. "Equal, fixed load" runs send at an even rate from a small open-loop generator ' +
      "([paced.ts](src/paced.ts)), because autocannon's rate limit sends each second's quota in a burst; their " +
      "latency is measured from each request's scheduled time.",
    '- **Noise, and why the ratios are paired.** The two vCPUs of these machines are shared: the same code, in the same ' +
      'process, runs up to 2× slower for seconds at a time (a run of the baseline alone measured 448 to 1 050 µs of CPU ' +
      "per login within one minute). So the routes run in rounds A, B then B, A, and each target's ratio (and the added p99) " +
      "is the median of the rounds' paired figures, each taken from two runs side by side; the medians of each route's " +
      'rounds are shown too, and the raw rounds are listed under each table. The in-process figures (sections 5 and 6) ' +
      'interleave their variants the same way.',
    "- Latencies come from per-response timings (sub-millisecond), not autocannon's whole-millisecond histogram; " +
      'throughput is answers divided by the time from the first request to the last answer.',
    '- "app CPU µs/login" is the app process\'s `process.cpuUsage()` over a run divided by its answers: it is less sensitive ' +
      'than req/s to other work on the machine.',
    '- `BENCH_CPU_PROF=1 npm run bench` writes a V8 CPU profile of every app process to `bench/.tmp/profiles`.',
    '',
  );
  if (r.express) lines.push(compareSection(1, 'Module against baseline, Express', r.express), '');
  if (r.fastify) lines.push(compareSection(2, 'Module against baseline, Fastify', r.fastify), '');
  if (r.slow) lines.push(slowSection(r.slow), '');
  if (r.soak) lines.push(soakSection(r.soak), '');
  if (r.overhead) lines.push(overheadSection(r.overhead), '');
  if (r.tenants) lines.push(tenantsSection(r.tenants), '');
  if (r.appLaunch?.length) lines.push(appLaunchSection(r.appLaunch, r), '');
  if (r.replay?.length) {
    const rates = [r.soak?.rps, ...[r.express, r.fastify].map((c) => (c ? summarise(c.saturated.module, 'module').rps : undefined))];
    lines.push(replaySection(r.replay, Math.max(...rates.filter((x): x is number => x !== undefined && Number.isFinite(x)), 1)), '');
  }
  lines.push(ANALYSIS);
  return `${lines.join('\n').trimEnd()}\n`;
}

function appLaunchCell(list: CompareResult[], adapter: string, pick: (c?: CompareResult) => number, unit = ''): string {
  const c = list.find((x) => x.spec.adapter === adapter);
  if (!c) return 'n/a';
  const v = pick(c);
  return unit ? `${signed(v, 0)}${unit}` : f2(v);
}

function tenantsSection(t: TenantsResult): string {
  const ok = (pass: boolean) => (pass ? 'met' : 'missed');
  return [
    '## 6. Tenants (forTenants) against a static pool',
    '',
    "In one process, Authing replaced by an axios adapter that answers at once: the module's own work only.",
    '',
    '| figure | measured | target |',
    '|---|---|---|',
    `| throughput through a tenant over a static pool (logins per CPU second; the median of ${t.config.rounds} rounds, each of ${t.config.logins} logins through each interleaved one by one) | ${t.throughputRatio.toFixed(3)} | ≥ 0.98 (${ok(t.throughputRatio >= 0.98)}) |`,
    `| the same as the ratio of the medians (CPU µs per login: static ${median(t.staticCpu).toFixed(1)}, tenant ${median(t.tenantCpu).toFixed(1)}) | ${(median(t.staticCpu) / median(t.tenantCpu)).toFixed(3)} | |`,
    `| a tenant's first login beyond its steady-state login and the source's own time (median of 200) | ${(t.firstLoginAddedMicros / 1000).toFixed(3)} ms | ≤ 1 ms (${ok(t.firstLoginAddedMicros <= 1000)}) |`,
    `| memory per loaded, idle tenant (pipeline built) at ${t.config.tenants} tenants | ${(t.bytesPerTenant / 1024).toFixed(1)} KB | ≤ 16 KB (${ok(t.bytesPerTenant <= 16 * 1024)}) |`,
    `| ${t.config.unknown} requests naming unknown tenants, each a new name | ${t.unknownCpuMicros.toFixed(1)} µs CPU each, ${t.unknownSourceCalls} source calls, 0 upstream calls | |`,
  ].join('\n');
}
