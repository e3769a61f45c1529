import { hash, randomBytes } from 'node:crypto';
import { App2WxappReplayStoreError, MemoryTicketReplayStore } from 'nestjs-app2wxapp';
import { failStartup, readConfig, serve } from './ipc/serve';
import { collectGarbage } from './process-stats';

export interface ReplaySoakConfig {
  /** New claims per second, sent in small batches every 10 ms. */
  rate: number;
  seconds: number;
  /** The module's default ticketTtlMs. */
  ttlMs: number;
}

export interface ReplaySoakResult {
  config: ReplaySoakConfig;
  claims: number;
  /** Claims answered "already used": every key is new, so any is a false refusal (a fingerprint collision). */
  refused: number;
  /** Claims refused with 503 because the store was full. */
  full: number;
  achievedRate: number;
  seconds: number;
  maxSize: number;
  finalSize: number;
  /** Heap plus array buffers after a full GC, over the store's entries at the end. */
  bytesPerEntry: number;
  storeBytes: number;
  /** The longest batch of claims (one 10 ms tick's worth), in ms: the sweeps, the table's growth. */
  worstBatchMs: number;
  timeline: { second: number; size: number }[];
}

const memory = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/**
 * The default replay store alone, at a steady rate of fresh keys for longer than the ticket lifetime: in its own
 * process, so that it can run beside the other scenarios (it needs wall-clock time, hardly any CPU).
 */
async function run(config: ReplaySoakConfig): Promise<ReplaySoakResult> {
  await collectGarbage();
  const before = memory();
  const store = new MemoryTicketReplayStore();
  const salt = randomBytes(16).toString('hex');
  const started = performance.now();
  const end = started + config.seconds * 1000;
  let claims = 0;
  let refused = 0;
  let full = 0;
  let maxSize = 0;
  let worst = 0;
  const timeline: ReplaySoakResult['timeline'] = [];
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - started) / 1000) * config.rate);
    const batch = due - claims;
    const t0 = performance.now();
    for (; claims < due; ) {
      // The module's key for a ticket: its SHA-256 in hex (the default pool has no prefix).
      const key = hash('sha256', `${salt}:${claims++}`, 'hex');
      try {
        if (!(await store.claim(key, config.ttlMs))) refused++;
      } catch (err) {
        if (!(err instanceof App2WxappReplayStoreError)) throw err;
        full++;
      }
    }
    if (batch > 0) worst = Math.max(worst, performance.now() - t0);
    maxSize = Math.max(maxSize, store.size);
    const second = Math.floor((performance.now() - started) / 1000);
    if (second >= (timeline.at(-1)?.second ?? -10) + 10) timeline.push({ second, size: store.size });
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  await collectGarbage();
  const storeBytes = memory() - before;
  return {
    config, claims, refused, full, seconds, maxSize, timeline, storeBytes,
    achievedRate: claims / seconds,
    finalSize: store.size,
    bytesPerEntry: storeBytes / Math.max(1, store.size),
    worstBatchMs: worst,
  };
}

serve({}, { run: (config: ReplaySoakConfig) => run(config) }, async () => undefined);
process.on('uncaughtException', failStartup);
