import { createHash } from 'node:crypto';
import { App2WxappReplayStoreError, MemoryTicketReplayStore } from 'nestjs-app2wxapp';

const key = (i: number) => createHash('sha256').update(`ticket-${i}`).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LONG = 600_000;

async function fill(store: MemoryTicketReplayStore, from: number, to: number, ttlMs: number): Promise<void> {
  for (let i = from; i < to; i++) {
    if (!(await store.claim(key(i), ttlMs))) throw new Error(`claim ${i} was refused`);
  }
}

describe('MemoryTicketReplayStore', () => {
  it('claims a key once, and again after release', async () => {
    const store = new MemoryTicketReplayStore();
    expect(await store.claim(key(1), LONG)).toBe(true);
    expect(await store.claim(key(1), LONG)).toBe(false);
    await store.release(key(1));
    expect(await store.claim(key(1), LONG)).toBe(true);
  });

  it('holds its bound under a flood of distinct tickets: refuses with 503 and never forgets a live claim', async () => {
    const store = new MemoryTicketReplayStore({ maxEntries: 100_000 });
    await fill(store, 0, 100_000, LONG);
    expect(store.size).toBe(100_000);

    for (let i = 100_000; i < 100_100; i++) {
      const error = await store.claim(key(i), LONG).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(App2WxappReplayStoreError);
      expect((error as App2WxappReplayStoreError).getStatus()).toBe(503);
      expect((error as App2WxappReplayStoreError).retryAfterSeconds).toBe(1);
    }
    expect(store.size).toBe(100_000);

    let forgotten = 0;
    for (let i = 0; i < 100_000; i++) if (await store.claim(key(i), LONG)) forgotten++;
    expect(forgotten).toBe(0);
  });

  it('reclaims expired entries when full, and only those', async () => {
    const store = new MemoryTicketReplayStore({ maxEntries: 100_000 });
    await fill(store, 0, 50_000, 50);
    await fill(store, 50_000, 100_000, LONG);
    await sleep(80); // the first half expires

    await fill(store, 100_000, 150_000, LONG);
    expect(store.size).toBe(100_000);
    await expect(store.claim(key(150_000), LONG)).rejects.toBeInstanceOf(App2WxappReplayStoreError);

    let live = 0;
    for (let i = 50_000; i < 150_000; i++) if (!(await store.claim(key(i), LONG))) live++;
    expect(live).toBe(100_000);
  });

  it('lets an expired ticket be claimed again', async () => {
    const store = new MemoryTicketReplayStore();
    expect(await store.claim(key(7), 20)).toBe(true);
    await sleep(40);
    expect(await store.claim(key(7), LONG)).toBe(true);
    expect(store.size).toBe(1);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxEntries %p', (maxEntries) => {
    expect(() => new MemoryTicketReplayStore({ maxEntries })).toThrow(/maxEntries must be a positive integer/);
  });

  it('holds 1 000 000 live claims by default, then refuses', async () => {
    const store = new MemoryTicketReplayStore();
    // claimNow: the synchronous claim the module uses, so that a million claims take a fraction of a second.
    let refused = 0;
    for (let i = 0; i < 1_000_000; i++) if (!store.claimNow(`k${i}`, LONG)) refused++;
    expect(refused).toBe(0);
    expect(store.size).toBe(1_000_000);
    await expect(store.claim('one more', LONG)).rejects.toBeInstanceOf(App2WxappReplayStoreError);
    expect(await store.claim('k0', LONG)).toBe(false);
    expect(await store.claim('k999999', LONG)).toBe(false);
  });

  describe('on a fake monotonic clock', () => {
    const clocked = (maxEntries?: number) => {
      const clock = { now: 1000 };
      return { clock, store: new MemoryTicketReplayStore({ maxEntries, clock: () => clock.now }) };
    };

    it('keeps a claim for exactly its ttl, whatever the wall clock does', async () => {
      const { clock, store } = clocked();
      expect(await store.claim(key(1), 120_000)).toBe(true);
      clock.now += 119_999;
      expect(await store.claim(key(1), 120_000)).toBe(false);
      clock.now += 1;
      expect(await store.claim(key(1), 120_000)).toBe(true);
    });

    it('sweeps expired claims as new ones come, so that a store at a steady rate stays near rate x ttl', async () => {
      const { clock, store } = clocked(10_000);
      // 50 claims per ms-step of 10 ms, ttl 1 000 ms: 5 000 live at any time, 60 000 claims in all.
      const keys = Array.from({ length: 60_000 }, (_, i) => key(i));
      let refused = 0;
      for (let step = 0; step < 1200; step++) {
        clock.now += 10;
        for (let i = 0; i < 50; i++) if (!store.claimNow(keys[step * 50 + i], 1000)) refused++;
      }
      expect(refused).toBe(0);
      expect(store.size).toBeGreaterThanOrEqual(5000);
      expect(store.size).toBeLessThan(10_000);
      // The last second's claims are all still live.
      let live = 0;
      for (let i = 55_000; i < 60_000; i++) if (!store.claimNow(keys[i], 1000)) live++;
      expect(live).toBe(5000);
    });

    it('refuses when full of live claims without forgetting one, and takes claims again once some expire', async () => {
      const { clock, store } = clocked(1000);
      await fill(store, 0, 500, 1000);
      clock.now += 500;
      await fill(store, 500, 1000, 1000);
      await expect(store.claim(key(1000), 1000)).rejects.toBeInstanceOf(App2WxappReplayStoreError);
      clock.now += 499;
      await expect(store.claim(key(1000), 1000)).rejects.toBeInstanceOf(App2WxappReplayStoreError);
      clock.now += 1; // the first 500 expire
      await fill(store, 1000, 1500, 1000);
      await expect(store.claim(key(1500), 1000)).rejects.toBeInstanceOf(App2WxappReplayStoreError);
      let live = 0;
      for (let i = 500; i < 1500; i++) if (!(await store.claim(key(i), 1000))) live++;
      expect(live).toBe(1000);
    });

    /**
     * A steady rate of fresh keys at `share` of maxEntries / ttl for `ttls` ticket lifetimes, in 10 ms steps. Counts the
     * 503s, and the slots the table looks at per claim once it has grown to its final size (after the first lifetime;
     * the growth's rehash is a separate, once-per-doubling cost, measured by the benchmark).
     */
    const steadyRate = (share: number, ttls: number) => {
      const maxEntries = 10_000;
      const ttl = 1000;
      const { clock, store } = clocked(maxEntries);
      const perStep = Math.round((maxEntries / ttl) * 10 * share);
      const steps = (ttls * ttl) / 10;
      let full = 0;
      let accepted = 0;
      let maxVisits = 0;
      let visits = 0;
      let measured = 0;
      let maxSize = 0;
      let answeredUsed = 0;
      const lastLifetime: number[] = [];
      for (let step = 0, i = 0; step < steps; step++) {
        clock.now += 10;
        for (let j = 0; j < perStep; j++, i++) {
          const before = store.slotVisits;
          try {
            if (!store.claimNow(key(i), ttl)) answeredUsed++;
            accepted++;
            if (step >= steps - ttl / 10) lastLifetime.push(i);
          } catch (error) {
            expect(error).toBeInstanceOf(App2WxappReplayStoreError);
            expect((error as App2WxappReplayStoreError).retryAfterSeconds).toBe(1);
            full++;
          }
          if (step >= ttl / 10) {
            const cost = store.slotVisits - before;
            maxVisits = Math.max(maxVisits, cost);
            visits += cost;
            measured++;
          }
          maxSize = Math.max(maxSize, store.size);
        }
      }
      expect(answeredUsed).toBe(0);
      expect(maxSize).toBeLessThanOrEqual(maxEntries);
      // Every claim accepted within the last lifetime is still live: none was forgotten to make room.
      let forgotten = 0;
      for (const i of lastLifetime) if (store.claimNow(key(i), ttl)) forgotten++;
      return {
        full,
        accepted,
        forgotten,
        lastLifetime: lastLifetime.length,
        maxVisits,
        meanVisits: visits / measured,
        claims: steps * perStep,
        maxEntries,
      };
    };

    it('keeps pace at 95 % of maxEntries / ttl for three lifetimes: no 503, and a bounded, small work per claim', () => {
      const r = steadyRate(0.95, 3);
      expect(r.full).toBe(0);
      expect(r.forgotten).toBe(0);
      expect(r.lastLifetime).toBe(9500);
      // The sweep's steps (40 × 32 768 slots / 10 000 = 132) plus a probe and a removal's shift or two.
      expect(r.meanVisits).toBeLessThan(150);
      expect(r.maxVisits).toBeLessThan(132 + 100);
    });

    it('at 110 % of maxEntries / ttl refuses the excess with 503, never forgets a live claim, and bounds every claim', () => {
      const r = steadyRate(1.1, 3);
      // Three lifetimes at 11 000/s offered, at most maxEntries per lifetime held: about a tenth refused.
      expect(r.full).toBeGreaterThan(0.08 * r.claims);
      expect(r.full).toBeLessThan(0.15 * r.claims);
      expect(r.forgotten).toBe(0);
      expect(r.lastLifetime).toBeLessThanOrEqual(r.maxEntries);
      expect(r.lastLifetime).toBeGreaterThan(0.95 * r.maxEntries);
      // Full: the sweep, then at most 4 096 slots more, then 503; never the whole table on every claim.
      expect(r.maxVisits).toBeLessThan(132 + 4096 + 100);
      expect(r.meanVisits).toBeLessThan(1000);
    });

    it('on a table larger than one full-store sweep: refuses in bounded work, and recovers as claims expire', () => {
      const { clock, store } = clocked(100_000); // 262 144 slots
      for (let i = 0; i < 50_000; i++) store.claimNow(key(i), 1000);
      for (let i = 50_000; i < 100_000; i++) store.claimNow(key(i), 2000);
      expect(store.size).toBe(100_000);
      for (let i = 100_000; i < 100_100; i++) {
        const before = store.slotVisits;
        expect(() => store.claimNow(key(i), 2000)).toThrow(App2WxappReplayStoreError);
        expect(store.slotVisits - before).toBeLessThan(105 + 4096 + 100);
      }
      clock.now += 1000; // the first 50 000 expire
      let full = 0;
      for (let i = 100_000; i < 150_000; i++) {
        try {
          expect(store.claimNow(key(i), 2000)).toBe(true);
        } catch {
          full++;
        }
      }
      expect(full).toBe(0);
      expect(store.size).toBe(100_000);
      expect(() => store.claimNow(key(150_000), 2000)).toThrow(App2WxappReplayStoreError);
      let live = 0;
      for (let i = 50_000; i < 150_000; i++) if (!store.claimNow(key(i), 2000)) live++;
      expect(live).toBe(100_000);
    });

    it('frees a released claim at once, and keeps every other claim reachable', async () => {
      const { store } = clocked();
      await fill(store, 0, 5000, LONG);
      for (let i = 0; i < 5000; i += 2) await store.release(key(i));
      expect(store.size).toBe(2500);
      for (let i = 0; i < 5000; i++) expect(await store.claim(key(i), LONG)).toBe(i % 2 === 0);
    });
  });

  describe('compact keys', () => {
    const digest = key(42);

    it('tells apart keys of different pools for the same ticket', async () => {
      const store = new MemoryTicketReplayStore();
      expect(await store.claim(digest, LONG)).toBe(true);
      expect(await store.claim(`genauth:${digest}`, LONG)).toBe(true);
      expect(await store.claim(`other:${digest}`, LONG)).toBe(true);
      expect(await store.claim(`genauth:${digest}`, LONG)).toBe(false);
    });

    it('fails closed on a fingerprint collision: two digests that share their first 96 bits count as one ticket', async () => {
      const store = new MemoryTicketReplayStore();
      const twin = digest.slice(0, 24) + 'f'.repeat(40);
      expect(twin).not.toBe(digest);
      expect(await store.claim(digest, LONG)).toBe(true);
      expect(await store.claim(twin, LONG)).toBe(false); // "already used": a 401 for that user, never a second login
    });

    it('hashes keys that are not digests, case included', async () => {
      const store = new MemoryTicketReplayStore();
      expect(await store.claim('a', LONG)).toBe(true);
      expect(await store.claim('b', LONG)).toBe(true);
      expect(await store.claim(digest.toUpperCase(), LONG)).toBe(true);
      expect(await store.claim(digest, LONG)).toBe(true);
      expect(await store.claim('a', LONG)).toBe(false);
    });
  });
});
