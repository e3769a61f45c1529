import type { AdapterName } from '../app.process';
import { failureCount, load } from '../load';
import type { ProcessStats } from '../process-stats';
import { startApp, startEmulator } from '../upstream';

export interface SoakSpec {
  adapter: AdapterName;
  logins: number;
  /** Tickets are issued per chunk, just before it runs, so none expires while it waits. */
  chunk: number;
  connections: number;
  warmup: number;
  /** Ticket lifetime at the emulator and `ticketTtlMs` of the module (see the report for why it is not 120 s). */
  ticketTtlMs: number;
}

export type AppStats = ProcessStats & { replayStoreSize?: number };

export interface SoakResult {
  spec: SoakSpec;
  before: AppStats;
  peak: { rss: number; heapUsed: number; replayStoreSize: number };
  after: AppStats;
  /** Heap and RSS after a full GC at the end of each chunk. */
  timeline: { logins: number; rss: number; heapUsed: number; replayStoreSize: number }[];
  ok: number;
  failures: Record<string, number>;
  errors: number;
  seconds: number;
  rps: number;
  emulatorRss: number;
}

/** 200 000 logins with distinct tickets against one app; memory before, at the peak (sampled), and after a GC. */
export async function soak(spec: SoakSpec, log: (line: string) => void): Promise<SoakResult> {
  const emulator = await startEmulator({ ticketTtlMs: spec.ticketTtlMs });
  const app = await startApp(emulator.info.url, { adapter: spec.adapter, ticketTtlMs: spec.ticketTtlMs, observeReplayStore: true });
  try {
    const runChunk = async (amount: number) => {
      const tickets = await emulator.call<string[]>('issue', { count: amount + spec.connections + 16 });
      return load({ url: app.info.url, path: '/login', connections: spec.connections, amount, tickets });
    };
    await runChunk(spec.warmup);
    const before = await app.call<AppStats>('stats', { gc: true });
    log(`  before: ${mb(before.rss)} RSS, ${mb(before.heapUsed)} heap, ${before.replayStoreSize} replay entries`);

    const peak = { rss: before.rss, heapUsed: before.heapUsed, replayStoreSize: before.replayStoreSize ?? 0 };
    const sample = (s: AppStats) => {
      peak.rss = Math.max(peak.rss, s.rss);
      peak.heapUsed = Math.max(peak.heapUsed, s.heapUsed);
      peak.replayStoreSize = Math.max(peak.replayStoreSize, s.replayStoreSize ?? 0);
    };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        sample(await app.call<AppStats>('stats'));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();

    const result: SoakResult = {
      spec, before, peak, after: before, timeline: [], ok: 0, failures: {}, errors: 0, seconds: 0, rps: 0, emulatorRss: 0,
    };
    let done = 0;
    try {
      while (done < spec.logins) {
        const amount = Math.min(spec.chunk, spec.logins - done);
        const run = await runChunk(amount);
        done += amount;
        result.ok += run.ok;
        result.errors += run.errors;
        result.seconds += run.seconds;
        for (const [status, count] of Object.entries(run.failures)) result.failures[status] = (result.failures[status] ?? 0) + count;
        const settled = await app.call<AppStats>('stats', { gc: true });
        sample(settled);
        result.timeline.push({ logins: done, rss: settled.rss, heapUsed: settled.heapUsed, replayStoreSize: settled.replayStoreSize ?? 0 });
        log(`  ${done} logins: ${run.rps.toFixed(0)} req/s, ${mb(settled.rss)} RSS, ${mb(settled.heapUsed)} heap after GC, ` +
          `${settled.replayStoreSize} replay entries${failureCount(run) ? `, FAILED ${JSON.stringify(run.failures)} ${run.errors} errors` : ''}`);
      }
    } finally {
      sampling = false;
      await sampler;
    }
    result.after = await app.call<AppStats>('stats', { gc: true });
    result.rps = done / result.seconds;
    result.emulatorRss = (await emulator.call<ProcessStats>('stats')).rss;
    log(`  after: ${mb(result.after.rss)} RSS, ${mb(result.after.heapUsed)} heap, ${result.after.replayStoreSize} replay entries; peak ${mb(peak.rss)} RSS`);
    return result;
  } finally {
    await app.stop();
    await emulator.stop();
  }
}

export const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
