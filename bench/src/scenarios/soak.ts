import type { AdapterName } from '../app.process';
import { failureCount, load, type LoadResult } from '../load';
import type { ProcessStats } from '../process-stats';
import { TicketFeed } from '../ticket-feed';
import { startApp, startEmulator } from '../upstream';

export interface SoakSpec {
  adapter: AdapterName;
  logins: number;
  /** A full GC and a memory reading every this many logins. */
  checkpoint: number;
  connections: number;
  warmup: number;
  /** Ticket lifetime at the emulator and `ticketTtlMs` of the module (see the report for why it is not 120 s). */
  ticketTtlMs: number;
}

export type AppStats = ProcessStats & { replayStoreSize?: number };

export interface SoakResult extends Pick<LoadResult, 'ok' | 'failures' | 'errors' | 'seconds' | 'rps' | 'p50' | 'p99'> {
  spec: SoakSpec;
  before: AppStats;
  peak: { rss: number; heapUsed: number; replayStoreSize: number };
  after: AppStats;
  /** Readings after a full GC at each checkpoint, taken while the load goes on. */
  timeline: { logins: number; rss: number; heapUsed: number; replayStoreSize: number }[];
  emulatorRss: number;
}

/** 200 000 logins with distinct tickets in one continuous run; memory before, at the peak (sampled) and after a GC. */
export async function soak(spec: SoakSpec, log: (line: string) => void): Promise<SoakResult> {
  const emulator = await startEmulator({ ticketTtlMs: spec.ticketTtlMs });
  const app = await startApp(emulator.info.url, { adapter: spec.adapter, ticketTtlMs: spec.ticketTtlMs, observeReplayStore: true });
  try {
    const warm = await new TicketFeed(emulator).fill(spec.warmup + spec.connections + 16);
    await load({ url: app.info.url, path: '/login', connections: spec.connections, amount: spec.warmup, take: () => warm.take() });
    const before = await app.call<AppStats>('stats', { gc: true });
    log(`  before: ${mb(before.rss)} RSS, ${mb(before.heapUsed)} heap, ${before.replayStoreSize} replay entries`);

    const peak = { rss: before.rss, heapUsed: before.heapUsed, replayStoreSize: before.replayStoreSize ?? 0 };
    const timeline: SoakResult['timeline'] = [];
    const sample = (s: AppStats) => {
      peak.rss = Math.max(peak.rss, s.rss);
      peak.heapUsed = Math.max(peak.heapUsed, s.heapUsed);
      peak.replayStoreSize = Math.max(peak.replayStoreSize, s.replayStoreSize ?? 0);
    };
    // At 1 000 logins/s a ticket waits at most (5 000 + 8 000) / 1 000 = 13 s in the feed, inside its lifetime.
    const needed = spec.logins + spec.connections + 16;
    const feed = await new TicketFeed(emulator, needed > 10_000 ? { lowWater: 5_000, batch: 8_000 } : undefined).fill(Math.min(needed, 10_000));
    let answered = 0;
    let nextCheckpoint = spec.checkpoint;
    let checking = false;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        if (!checking && answered >= nextCheckpoint) {
          checking = true;
          const at = nextCheckpoint;
          nextCheckpoint += spec.checkpoint;
          const s = await app.call<AppStats>('stats', { gc: true });
          sample(s);
          timeline.push({ logins: at, rss: s.rss, heapUsed: s.heapUsed, replayStoreSize: s.replayStoreSize ?? 0 });
          log(`  ${at} logins: ${mb(s.rss)} RSS, ${mb(s.heapUsed)} heap after GC, ${s.replayStoreSize} replay entries`);
          checking = false;
        } else {
          sample(await app.call<AppStats>('stats'));
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    let run;
    try {
      run = await load({
        url: app.info.url,
        path: '/login',
        connections: spec.connections,
        amount: spec.logins,
        take: () => feed.take(),
        onAnswer: () => answered++,
      });
    } finally {
      sampling = false;
      await sampler;
    }
    if (feed.starvedRequests) throw new Error(`${feed.starvedRequests} soak requests went out without a ticket`);
    const after = await app.call<AppStats>('stats', { gc: true });
    timeline.push({ logins: spec.logins, rss: after.rss, heapUsed: after.heapUsed, replayStoreSize: after.replayStoreSize ?? 0 });
    const emulatorRss = (await emulator.call<ProcessStats>('stats')).rss;
    log(
      `  after: ${mb(after.rss)} RSS, ${mb(after.heapUsed)} heap, ${after.replayStoreSize} replay entries; peak ${mb(peak.rss)} RSS; ` +
        `${run.rps.toFixed(0)} req/s${failureCount(run) ? `, FAILED ${JSON.stringify(run.failures)} ${run.errors} errors` : ''}`,
    );
    return {
      spec,
      before,
      peak,
      after,
      timeline,
      emulatorRss,
      ok: run.ok,
      failures: run.failures,
      errors: run.errors,
      seconds: run.seconds,
      rps: run.rps,
      p50: run.p50,
      p99: run.p99,
    };
  } finally {
    await app.stop();
    await emulator.stop();
  }
}

export const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
