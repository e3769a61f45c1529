import { hash, randomBytes } from 'node:crypto';
import { App2WxappReplayStoreError, MemoryTicketReplayStore } from 'nestjs-app2wxapp';
import { failStartup, serve } from './ipc/serve';
import { collectGarbage } from './process-stats';
import { percentile } from './stats';

export interface ReplaySoakConfig {
  /** New claims per second, sent every millisecond (as a server would see them: spread out, not in bursts). */
  rate: number;
  /** The rate as a share of the store's bound, maxEntries / ttl (for the report). */
  share: number;
  seconds: number;
  /** The module's default ticketTtlMs. */
  ttlMs: number;
  /** The store's bound; the default store's when absent. */
  maxEntries?: number;
}

/**
 * CPU per claim over a part of the run: `process.cpuUsage()` around each millisecond's claims, summed over batches of
 * 10 ms (a batch's CPU / its claims is one sample).
 */
export interface ClaimCost {
  batches: number;
  claims: number;
  /** Total CPU over total claims, µs. */
  meanMicros: number;
  /** 99th percentile over the batches of (the batch's CPU / its claims), µs. */
  p99Micros: number;
  /** The batch that used the most CPU, µs (for all its claims). */
  worstBatchMicros: number;
}

export interface ReplaySoakResult {
  config: ReplaySoakConfig;
  claims: number;
  /** Claims answered "already used": every key is new, so any is a false refusal (a fingerprint collision). */
  refused: number;
  /** Claims refused with 503 because the store was full. */
  full: number;
  /** Claims never made because the store fell behind the schedule (one tick's claims are capped at 40 ms' worth). */
  skipped: number;
  achievedRate: number;
  seconds: number;
  maxSize: number;
  finalSize: number;
  /** Heap plus array buffers after a full GC, over the store's entries at the end. */
  bytesPerEntry: number;
  storeBytes: number;
  /** The whole run, and the part after the first ticket lifetime (a full store at a steady state). */
  cost: ClaimCost;
  steady: ClaimCost;
  /** The longest single claim, wall time in ms (on a shared machine it can include a preemption). */
  worstClaimMs: number;
  /** The longest tick of claims (a millisecond's worth, more when behind), wall time in ms. */
  worstBatchMs: number;
  timeline: { second: number; size: number }[];
}

const memory = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

type ClaimNow = (key: string, ttlMs: number) => boolean;

function summarise(perClaim: number[], cpu: number, claims: number, worstBatch: number): ClaimCost {
  const sorted = Float64Array.from(perClaim).sort();
  return {
    batches: perClaim.length,
    claims,
    meanMicros: cpu / Math.max(1, claims),
    p99Micros: percentile(sorted, 0.99),
    worstBatchMicros: worstBatch,
  };
}

/**
 * The default replay store alone, at a steady rate of fresh keys for longer than the ticket lifetime: in its own
 * process, so that several rates run side by side (it needs wall-clock time, hardly any CPU). Keys are hashed before
 * each batch, outside the measured CPU, and claimed with the synchronous `claimNow` the module uses.
 */
async function run(config: ReplaySoakConfig): Promise<ReplaySoakResult> {
  await collectGarbage();
  const before = memory();
  const store = new MemoryTicketReplayStore(config.maxEntries ? { maxEntries: config.maxEntries } : {});
  // @internal, so not in the published types; the module's own logins use it.
  const claimNow = (store as unknown as { claimNow: ClaimNow }).claimNow.bind(store);
  const salt = randomBytes(16).toString('hex');
  const tick = config.rate / 1000;
  const keys: string[] = [];
  const started = performance.now();
  const end = started + config.seconds * 1000;
  const steadyFrom = started + config.ttlMs;
  let claims = 0;
  let scheduled = 0;
  let refused = 0;
  let full = 0;
  let skipped = 0;
  let maxSize = 0;
  let worstBatchMs = 0;
  let worstClaimMs = 0;
  const all = { perClaim: [] as number[], cpu: 0, claims: 0, worst: 0 };
  const steady = { perClaim: [] as number[], cpu: 0, claims: 0, worst: 0 };
  // The current 10 ms batch: CPU and claims summed over its ticks.
  let batchStart = started;
  let batchCpu = 0;
  let batchClaims = 0;
  const closeBatch = (at: number) => {
    if (batchClaims > 0) {
      for (const part of batchStart >= steadyFrom ? [all, steady] : [all]) {
        part.perClaim.push(batchCpu / batchClaims);
        part.cpu += batchCpu;
        part.claims += batchClaims;
        part.worst = Math.max(part.worst, batchCpu);
      }
    }
    batchStart = at;
    batchCpu = 0;
    batchClaims = 0;
  };
  const timeline: ReplaySoakResult['timeline'] = [];
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - started) / 1000) * config.rate);
    let batch = due - scheduled;
    // A store that cannot keep up: drop what is more than 40 ms late rather than fall ever further behind.
    if (batch > 40 * tick) {
      skipped += batch - Math.ceil(40 * tick);
      batch = Math.ceil(40 * tick);
    }
    scheduled = due;
    keys.length = 0;
    // The module's key for a ticket: its SHA-256 in hex (the default pool has no prefix).
    for (let i = 0; i < batch; i++) keys.push(hash('sha256', `${salt}:${claims + i}`, 'hex'));
    if (batch > 0) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let last = t0;
      for (let i = 0; i < batch; i++) {
        try {
          if (!claimNow(keys[i], config.ttlMs)) refused++;
        } catch (err) {
          if (!(err instanceof App2WxappReplayStoreError)) throw err;
          full++;
        }
        const now = performance.now();
        if (now - last > worstClaimMs) worstClaimMs = now - last;
        last = now;
      }
      const cpu = process.cpuUsage(cpu0);
      batchCpu += cpu.user + cpu.system;
      batchClaims += batch;
      claims += batch;
      worstBatchMs = Math.max(worstBatchMs, last - t0);
    }
    const now = performance.now();
    if (now - batchStart >= 10) {
      closeBatch(now);
      maxSize = Math.max(maxSize, store.size);
    }
    const second = Math.floor((now - started) / 1000);
    if (second >= (timeline.at(-1)?.second ?? -10) + 10) timeline.push({ second, size: store.size });
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  closeBatch(performance.now());
  const seconds = (performance.now() - started) / 1000;
  await collectGarbage();
  const storeBytes = memory() - before;
  return {
    config,
    claims,
    refused,
    full,
    skipped,
    seconds,
    maxSize,
    timeline,
    storeBytes,
    worstClaimMs,
    worstBatchMs,
    achievedRate: claims / seconds,
    finalSize: store.size,
    bytesPerEntry: storeBytes / Math.max(1, store.size),
    cost: summarise(all.perClaim, all.cpu, all.claims, all.worst),
    steady: summarise(steady.perClaim, steady.cpu, steady.claims, steady.worst),
  };
}

serve({}, { run: (config: ReplaySoakConfig) => run(config) }, async () => undefined);
process.on('uncaughtException', failStartup);
