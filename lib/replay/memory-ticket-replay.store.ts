import { ClaimTable } from './claim-table';
import { App2WxappReplayStoreError } from '../failure/app2wxapp-login.error';
import type { TicketReplayStore } from './ticket-replay-store.interface';

/** Measured: 2 500 logins/s for a whole default ticket lifetime (120 s) is 300 000 claims; this leaves room twice over. */
const DEFAULT_MAX_ENTRIES = 1_000_000;
const INITIAL_SLOTS = 1024;
/**
 * The sweep's pace: slots looked at per claim, so that at most 1 / SWEEP_PACE of maxEntries (2.5 %) are expired
 * entries still waiting for the cursor (see `ClaimTable.sweepSome`). For the default store, 2 097 152 slots / 84 per
 * claim = 25 000 lingering at most: at 95 % of maxEntries / ttl (950 000 live) the store never fills. A pace of 8, as
 * before, let up to 262 144 linger, which filled the store from about 74 % of that rate on.
 */
const SWEEP_PACE = 40;
const MAX_SWEEP_STEPS = 256;
/**
 * When a claim finds the store full, the sweep goes on for at most this many more slots, until it frees one; then
 * the claim is refused (503). This bounds the worst claim: a full store past its bound refuses in a few µs instead
 * of sweeping the whole table on every claim. Tables of up to this many slots are swept whole.
 */
const FULL_SWEEP_STEPS = 4096;

export interface MemoryTicketReplayStoreOptions {
  /**
   * Claims held at once. Default 1 000 000: about 40 MB when full (42 bytes a claim), a few hundred KB for a
   * quiet app. The bound is maxEntries / ticket lifetime new logins per second (8 333/s with the default 120 s);
   * measured for longer than a lifetime, 95 % of it (about 7 900/s) ran with no 503 and the same CPU per claim
   * (about 3 µs) as 30 % of it. At the bound a few claims are refused; past it, the excess, a few µs each (503).
   */
  maxEntries?: number;
  /** @internal A monotonic clock in ms (tests); default `performance.now`. */
  clock?: () => number;
}

/**
 * The default store, for a single instance. Bounded: when full it refuses new claims rather than forget a live one,
 * because forgetting would let a ticket in twice. Expired entries are swept by a cursor, a fixed number of slots per
 * claim (enough that the expired entries it has not reached stay under 2.5 % of the bound), and a bounded stretch
 * more when a claim finds the store full; no claim ever sweeps the whole table, and no timer keeps the process alive. Time is monotonic: a wall-clock step neither frees live
 * claims early nor keeps dead ones.
 *
 * Keys are kept as 96-bit fingerprints, not strings. For the module's keys (`<pool prefix><64-hex SHA-256>`) these
 * are the first 96 bits of the digest, mixed with a hash of the prefix; other keys are hashed. Two different tickets
 * that share a fingerprint make the second one "already used" (a 401 for that user, never a second login); with a
 * million live claims, the chance that a given new ticket meets one is 10^6 / 2^96 ≈ 10^-23.
 */
export class MemoryTicketReplayStore implements TicketReplayStore {
  private readonly table: ClaimTable;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Slots the sweep looks at per claim. */
  private readonly sweepSteps: number;

  constructor(options: MemoryTicketReplayStoreOptions = {}) {
    const max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError('MemoryTicketReplayStore: maxEntries must be a positive integer');
    }
    this.maxEntries = max;
    // At most half the slots in use: linear probing stays at a probe or two.
    const maxSlots = 2 ** Math.ceil(Math.log2(Math.max(INITIAL_SLOTS, max * 2)));
    this.table = new ClaimTable(Math.min(INITIAL_SLOTS, maxSlots), maxSlots);
    this.sweepSteps = Math.min(MAX_SWEEP_STEPS, Math.ceil((SWEEP_PACE * maxSlots) / max));
    this.now = options.clock ?? (() => performance.now());
  }

  /** Claims held: the live ones, and expired ones not swept yet. */
  get size(): number {
    return this.table.count;
  }

  /** @internal Slots the table has looked at so far: tests bound the work per claim with it. */
  get slotVisits(): number {
    return this.table.visits;
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return this.claimNow(key, ttlMs);
  }

  /** @internal `claim` without the promise, for the module's own logins. Throws `App2WxappReplayStoreError` when full. */
  claimNow(key: string, ttlMs: number): boolean {
    const table = this.table;
    const now = this.now();
    table.sweepSome(now, this.sweepSteps);
    fingerprint(key);
    const f1 = F1;
    const f2 = F2;
    const f3 = F3;
    // An empty slot is 0, so an expiry is never 0.
    const expiry = Math.max(now + ttlMs, Number.MIN_VALUE);
    const slot = table.find(f1, f2, f3);
    if (slot >= 0) {
      if (table.expiryAt(slot) > now) return false;
      table.renew(slot, expiry);
      return true;
    }
    // Full: sweep on until one slot is free, for a bounded stretch; refuse if none is.
    if (table.count >= this.maxEntries) table.sweepSome(now, FULL_SWEEP_STEPS, this.maxEntries - 1);
    if (table.count >= this.maxEntries) {
      throw new App2WxappReplayStoreError('Too many logins in progress; try again shortly', 1);
    }
    table.insert(f1, f2, f3, expiry, now);
    return true;
  }

  async release(key: string): Promise<void> {
    fingerprint(key);
    const slot = this.table.find(F1, F2, F3);
    if (slot >= 0) this.table.remove(slot);
  }
}

/** The fingerprint of the last key given to `fingerprint`: module state, so that a claim allocates nothing. */
let F1 = 0;
let F2 = 0;
let F3 = 0;

const DIGEST_HEX = 64;

function fingerprint(key: string): void {
  const start = key.length - DIGEST_HEX;
  if (start >= 0 && hexWords(key, start)) {
    if (start > 0) {
      const p = hashRange(key, 0, start, 0x811c9dc5);
      F1 = (F1 ^ p) >>> 0;
      F2 = (F2 ^ Math.imul(p, 0x9e3779b1)) >>> 0;
      F3 = (F3 ^ Math.imul(p ^ (p >>> 15), 0x85ebca6b)) >>> 0;
    }
    return;
  }
  F1 = hashRange(key, 0, key.length, 0x811c9dc5);
  F2 = hashRange(key, 0, key.length, 0x01000193);
  F3 = hashRange(key, 0, key.length, 0x6a09e667);
}

/** Reads 24 hex characters at `start` into F1..F3; false if one is not a hex digit (then the key is hashed). */
function hexWords(key: string, start: number): boolean {
  let a = 0;
  let b = 0;
  let c = 0;
  for (let i = 0; i < 8; i++) {
    const x = nibble(key.charCodeAt(start + i));
    const y = nibble(key.charCodeAt(start + 8 + i));
    const z = nibble(key.charCodeAt(start + 16 + i));
    if ((x | y | z) < 0) return false;
    a = a * 16 + x;
    b = b * 16 + y;
    c = c * 16 + z;
  }
  F1 = a;
  F2 = b;
  F3 = c;
  return true;
}

function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  // Lower case only, as digests are written: an upper-case key is hashed, never merged with its lower-case twin.
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** FNV-1a over UTF-16 code units with a 32-bit finaliser (murmur3's fmix32). */
function hashRange(key: string, from: number, to: number, seed: number): number {
  let h = seed;
  for (let i = from; i < to; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
