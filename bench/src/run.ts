import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { failureCount } from './load';
import { machine } from './machine';
import { FULL, type Plan, SMOKE } from './plan';
import { type BenchResults, renderResults } from './report';
import { appLaunch, appLaunchOverhead } from './scenarios/app-launch';
import { compare, type CompareResult } from './scenarios/compare';
import { overhead } from './scenarios/overhead';
import { replaySoak } from './scenarios/replay-soak';
import { soak } from './scenarios/soak';
import { tenants } from './scenarios/tenants';

const SCENARIOS = ['express', 'fastify', 'slow', 'soak', 'overhead', 'replay', 'tenants', 'app-launch'] as const;
type Scenario = (typeof SCENARIOS)[number];

/**
 * `node bench/dist/run.js [--smoke] [--only=express,fastify,slow,soak,overhead,replay,tenants,app-launch] [--render=bench/.tmp/results.full.json]`.
 * Only a full run of every scenario writes bench/RESULTS.md; smoke and partial runs write bench/.tmp/. Exits 1 when
 * any login failed.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const render = args.find((a) => a.startsWith('--render='))?.slice('--render='.length);
  if (render) return rerender(render);
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',') as Scenario[] | undefined;
  const unknown = only?.filter((s) => !SCENARIOS.includes(s));
  if (unknown?.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`);
  const plan: Plan = smoke ? SMOKE : FULL;
  const selected = (s: Scenario) => !only || only.includes(s);
  const log = (line: string) => console.log(line);

  const started = performance.now();
  const results: BenchResults = {
    command: smoke ? 'npm run bench:smoke' : only ? `npm run bench -- --only=${only.join(',')}` : 'npm run bench',
    startedAt: new Date(),
    seconds: 0,
    machine: machine(),
    loadAverages: {},
  };
  const step = async <T>(name: Scenario, title: string, fn: () => Promise<T>): Promise<T | undefined> => {
    if (!selected(name)) return undefined;
    results.loadAverages[name] = loadavg()[0];
    log(`${title} (load average ${loadavg()[0].toFixed(2)})`);
    const t0 = performance.now();
    const out = await fn();
    log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return out;
  };

  results.express = await step('express', '1. module vs baseline, Express', () => compare(plan.express, log));
  results.fastify = await step('fastify', '2. module vs baseline, Fastify', () => compare(plan.fastify, log));
  results.slow = await step('slow', '3. slow upstream', () => compare(plan.slow, log));
  results.soak = await step('soak', '4. soak', () => soak(plan.soak, log));
  results.overhead = await step('overhead', '5. in-process overhead', async () => {
    const o = await overhead(plan.overhead);
    log(
      `  µs CPU per login: ${Object.entries(o.medians)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}`,
    );
    return o;
  });
  results.tenants = await step('tenants', '6. tenants against a static pool', async () => {
    const t = await tenants(plan.tenants);
    log(
      `  throughput tenant/static ${t.throughputRatio.toFixed(3)}, first login +${t.firstLoginAddedMicros.toFixed(0)} µs beyond the source, ` +
        `${(t.bytesPerTenant / 1024).toFixed(1)} KB per idle tenant at ${t.config.tenants}, unknown tenant ${t.unknownCpuMicros.toFixed(1)} µs CPU each (${t.unknownSourceCalls} source calls)`,
    );
    return t;
  });
  results.appLaunch = await step('app-launch', '7. app-launch flow (v3): module vs baseline', async () => {
    const list = [];
    for (const spec of plan.appLaunch) {
      log(`  ${spec.adapter}`);
      list.push(await appLaunch(spec, log));
    }
    const o = await appLaunchOverhead(plan.appLaunchOverhead);
    results.appLaunchOverhead = o;
    log(
      `  in-process µs CPU per login: ${Object.entries(o.medians)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}`,
    );
    return list;
  });
  // Needs wall-clock time (longer than the ticket lifetime), one process per rate side by side. Last and alone: its
  // four processes make about 28 000 claims a second, CPU that the login runs would otherwise share the two cores with.
  let replay: Promise<void> | undefined;
  if (selected('replay')) {
    const r = plan.replay;
    results.loadAverages.replay = loadavg()[0];
    log(
      `8. replay store (bound ${r.maxEntries}, ttl ${r.ttlMs / 1000} s) at ${r.shares.map((s) => `${Math.round(s * 100)} %`).join(', ')} of its bound ` +
        `for ${r.seconds} s each, side by side, after the other scenarios`,
    );
    replay = replaySoak(r).then((list) => {
      results.replay = list;
      for (const p of list) {
        log(
          `  replay store at ${Math.round(p.config.share * 100)} %: ${p.claims} claims at ${p.achievedRate.toFixed(0)}/s, ${p.full} refused as full, ` +
            `${p.refused} false "already used", ${p.skipped} skipped; CPU per claim mean ${p.cost.meanMicros.toFixed(2)} µs, ` +
            `after one ttl ${p.steady.meanMicros.toFixed(2)} µs (p99 ${p.steady.p99Micros.toFixed(2)} µs); worst claim ${p.worstClaimMs.toFixed(2)} ms; ` +
            `at most ${p.maxSize} entries, ${p.bytesPerEntry.toFixed(1)} bytes per entry`,
        );
      }
    });
  }

  if (replay) {
    log('waiting for the replay store soak');
    await replay;
  }
  results.seconds = (performance.now() - started) / 1000;

  const markdown = renderResults(results);
  const file = smoke || only ? join('bench', '.tmp', `RESULTS.${smoke ? 'smoke' : 'partial'}.md`) : join('bench', 'RESULTS.md');
  mkdirSync(join('bench', '.tmp'), { recursive: true });
  writeFileSync(file, markdown);
  // The raw figures, so that the text can be re-rendered without re-running: --render=<this file>.
  writeFileSync(join('bench', '.tmp', `results.${smoke ? 'smoke' : only ? 'partial' : 'full'}.json`), JSON.stringify(results));
  log(`\nWrote ${file} (${results.seconds.toFixed(0)} s)`);

  const failed = countFailures(results);
  if (failed > 0) {
    console.error(`${failed} logins failed (non-2xx or socket errors): see ${file}`);
    process.exitCode = 1;
  }
}

/** Renders a saved run again (after a change to the report's text); writes RESULTS.md only for a full run. */
function rerender(source: string): void {
  const results = JSON.parse(readFileSync(source, 'utf8'), (key, value) => (key === 'startedAt' ? new Date(value) : value)) as BenchResults;
  const full = results.command === 'npm run bench';
  const file = full ? join('bench', 'RESULTS.md') : join('bench', '.tmp', 'RESULTS.rendered.md');
  writeFileSync(file, renderResults(results));
  console.log(`Wrote ${file} from ${source}`);
}

function countFailures(r: BenchResults): number {
  const pairs = (c?: CompareResult) =>
    c
      ? [
          ...c.saturated.module,
          ...c.saturated.baseline,
          ...(c.saturated.passport ?? []),
          ...(c.fixedRate ? [...c.fixedRate.module, ...c.fixedRate.baseline] : []),
        ]
      : [];
  const runs = [...pairs(r.express), ...pairs(r.fastify), ...pairs(r.slow), ...(r.appLaunch ?? []).flatMap(pairs)];
  return runs.reduce((n, run) => n + failureCount(run), 0) + (r.soak ? failureCount(r.soak) : 0) + replayFailures(r);
}

/** A false "already used" is always a failure; a 503 only below the store's bound (past it, refusing is the contract). */
function replayFailures(r: BenchResults): number {
  return (r.replay ?? []).reduce((n, p) => n + p.refused + (p.config.share < 1 ? p.full : 0), 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
