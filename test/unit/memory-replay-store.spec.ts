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

  it('holds its default bound of 100 000 under a flood of distinct tickets: refuses with 503 and never forgets a live claim', async () => {
    const store = new MemoryTicketReplayStore();
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
});
