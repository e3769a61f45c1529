import { App2WxappReplayStoreError } from './replay-store.errors';
import type { TicketReplayStore } from './ticket-replay-store.interface';

export interface MemoryTicketReplayStoreOptions {
  /** Claims held at once. Default 100000 (about 15 MB). When full, new claims are refused with 503. */
  maxEntries?: number;
}

/**
 * The default store, for a single instance. Bounded: when full it refuses new claims rather than forget a live one,
 * because forgetting would let a ticket in twice. Expired entries are swept lazily; no timer keeps the process alive.
 */
export class MemoryTicketReplayStore implements TicketReplayStore {
  private readonly expiries = new Map<string, number>();
  private readonly maxEntries: number;

  constructor(options: MemoryTicketReplayStoreOptions = {}) {
    const max = options.maxEntries ?? 100_000;
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError('MemoryTicketReplayStore: maxEntries must be a positive integer');
    }
    this.maxEntries = max;
  }

  get size(): number {
    return this.expiries.size;
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    // Monotonic: a wall-clock step must neither free live claims early nor keep dead ones.
    const now = performance.now();
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry > now) return false;
    if (expiry !== undefined) this.expiries.delete(key);
    if (this.expiries.size >= this.maxEntries) this.sweep(now);
    if (this.expiries.size >= this.maxEntries) {
      throw new App2WxappReplayStoreError('Too many logins in progress; try again shortly', 1);
    }
    this.expiries.set(key, now + ttlMs);
    return true;
  }

  async release(key: string): Promise<void> {
    this.expiries.delete(key);
  }

  /** Insertion order is expiry order for a fixed TTL, so the sweep usually stops at the first live entry. */
  private sweep(now: number): void {
    let live = 0;
    for (const [key, expiry] of this.expiries) {
      if (expiry <= now) this.expiries.delete(key);
      else if (++live > 64) break;
    }
  }
}
