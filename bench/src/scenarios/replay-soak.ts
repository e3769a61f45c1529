import { Child } from '../ipc/child';
import type { ReplaySoakConfig, ReplaySoakResult } from '../replay-soak.process';

export interface ReplaySoakSpec {
  /** Rates as shares of the store's bound, maxEntries / ttl. */
  shares: number[];
  /** The store's bound (the default store's: 1 000 000). */
  maxEntries: number;
  ttlMs: number;
  /** Longer than ttlMs, so that each rate runs on a full store for a while. */
  seconds: number;
}

/**
 * Runs the replay-store soak at each rate in its own process, all at once (each needs wall-clock time, hardly any
 * CPU each), and returns their results when the last ends; the bench runs it after the other scenarios, alone.
 */
export async function replaySoak(spec: ReplaySoakSpec): Promise<ReplaySoakResult[]> {
  const bound = spec.maxEntries / (spec.ttlMs / 1000);
  return Promise.all(
    spec.shares.map(async (share) => {
      const config: ReplaySoakConfig = {
        rate: Math.round(bound * share),
        share,
        seconds: spec.seconds,
        ttlMs: spec.ttlMs,
        maxEntries: spec.maxEntries,
      };
      const child = await Child.start('replay-soak.process', `replay soak ${Math.round(share * 100)} %`, {}, ['--expose-gc']);
      try {
        return await child.call<ReplaySoakResult>('run', config);
      } finally {
        await child.stop();
      }
    }),
  );
}
