/**
 * The memory store's table: an open-addressing hash set of 96-bit key fingerprints with an expiry per slot, in typed
 * arrays (20 bytes a slot, at most half the slots used), so that a claim allocates nothing and the garbage collector
 * has no per-entry object to copy or promote. Linear probing with backward-shift deletion: no tombstones, so probe
 * runs stay short however many claims come and go.
 */
export class ClaimTable {
  /** Three 32-bit words of fingerprint per slot; the first one also picks the slot. */
  private fingerprints: Uint32Array;
  /** When each slot's claim ends, on the store's monotonic clock (ms); 0 = an empty slot. */
  private expiries: Float64Array;
  private mask: number;
  /** Occupied slots: live claims, plus expired ones that the sweep has not removed yet. */
  count = 0;
  /** @internal Slots looked at so far (probes, shifts, sweeps, rehashes): tests bound the work per claim with it. */
  visits = 0;
  private cursor = 0;

  constructor(
    initialSlots: number,
    private readonly maxSlots: number,
  ) {
    this.fingerprints = new Uint32Array(initialSlots * 3);
    this.expiries = new Float64Array(initialSlots);
    this.mask = initialSlots - 1;
  }

  get slots(): number {
    return this.mask + 1;
  }

  /** The slot holding this fingerprint, or -1. */
  find(f1: number, f2: number, f3: number): number {
    const { fingerprints, expiries, mask } = this;
    for (let i = f1 & mask, n = 1; ; i = (i + 1) & mask, n++) {
      if (expiries[i] === 0) {
        this.visits += n;
        return -1;
      }
      const at = i * 3;
      if (fingerprints[at] === f1 && fingerprints[at + 1] === f2 && fingerprints[at + 2] === f3) {
        this.visits += n;
        return i;
      }
    }
  }

  expiryAt(slot: number): number {
    return this.expiries[slot];
  }

  renew(slot: number, expiry: number): void {
    this.expiries[slot] = expiry;
  }

  /** Adds a fingerprint that `find` did not find. The caller keeps `count` within the bound. */
  insert(f1: number, f2: number, f3: number, expiry: number, now: number): void {
    if ((this.count + 1) * 2 > this.slots && this.slots < this.maxSlots) this.resize(this.slots * 2, now);
    const { fingerprints, expiries, mask } = this;
    let i = f1 & mask;
    let n = 1;
    for (; expiries[i] !== 0; n++) i = (i + 1) & mask;
    this.visits += n;
    const at = i * 3;
    fingerprints[at] = f1;
    fingerprints[at + 1] = f2;
    fingerprints[at + 2] = f3;
    expiries[i] = expiry;
    this.count++;
  }

  /** Empties a slot, moving later entries of its probe run back so that none becomes unreachable (Knuth 6.4 R). */
  remove(slot: number): void {
    const { fingerprints, expiries, mask } = this;
    let hole = slot;
    let n = 1;
    for (let j = (hole + 1) & mask; expiries[j] !== 0; j = (j + 1) & mask, n++) {
      const home = fingerprints[j * 3] & mask;
      // The entry at j may move into the hole only if its home slot is not cyclically within (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      fingerprints.copyWithin(hole * 3, j * 3, j * 3 + 3);
      expiries[hole] = expiries[j];
      hole = j;
    }
    expiries[hole] = 0;
    this.visits += n;
    this.count--;
  }

  /**
   * Removes expired entries among the next `steps` slots after a cursor that goes round the table, stopping early once
   * `count` is down to `stopAt`. A little on every claim keeps `count` near the live claims: an entry is removed at
   * most one rotation (slots / steps claims) after it expires, so at most slots / steps expired entries linger,
   * whatever the rate.
   */
  sweepSome(now: number, steps: number, stopAt = -1): void {
    const { expiries, mask } = this;
    let i = this.cursor;
    let n = 0;
    for (; n < steps && this.count > stopAt; n++) {
      const expiry = expiries[i];
      // A removal may shift a later entry into this slot: look at it again.
      if (expiry !== 0 && expiry <= now) this.remove(i);
      else i = (i + 1) & mask;
    }
    this.visits += n;
    this.cursor = i;
  }

  /** Rehashes into `slots` slots, dropping what has expired. */
  private resize(slots: number, now: number): void {
    const oldFingerprints = this.fingerprints;
    const oldExpiries = this.expiries;
    this.fingerprints = new Uint32Array(slots * 3);
    this.expiries = new Float64Array(slots);
    this.mask = slots - 1;
    this.count = 0;
    this.cursor = 0;
    this.visits += oldExpiries.length;
    for (let i = 0; i < oldExpiries.length; i++) {
      const expiry = oldExpiries[i];
      if (expiry === 0 || expiry <= now) continue;
      const at = i * 3;
      this.insert(oldFingerprints[at], oldFingerprints[at + 1], oldFingerprints[at + 2], expiry, now);
    }
  }
}
