import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { App2WxappReplayStoreError, RedisTicketReplayStore } from 'nestjs-app2wxapp';
import { recordMeasurement } from './support/measurements';
import { RedisServer } from './support/redis-server';

// What `waitForReplicas` buys on a real primary with one replica: the claim a frozen replica has not received is
// refused instead of acknowledged, and what WAIT costs per claim (recorded in .tmp/measurements/, no timed asserts).

const TTL = 120_000;
const digest = () => createHash('sha256').update(randomUUID()).digest('hex');
const ready = (client: Redis) => (client.status === 'ready' ? Promise.resolve() : new Promise((resolve) => client.once('ready', resolve)));

let primary: RedisServer;
let replica: RedisServer;
let redis: Redis;
let replicaClient: Redis;

beforeAll(async () => {
  primary = await RedisServer.start();
  replica = await RedisServer.start({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
  redis = new Redis(primary.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000 });
  replicaClient = new Redis(replica.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  for (const client of [redis, replicaClient]) client.on('error', () => undefined);
  await Promise.all([ready(redis), ready(replicaClient)]);
  const deadline = Date.now() + 20_000;
  while (!(await redis.info('replication')).includes(`port=${replica.port},state=online`) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 60_000);

afterAll(async () => {
  replica?.thaw();
  redis?.disconnect();
  replicaClient?.disconnect();
  await Promise.all([replica?.destroy(), primary?.destroy()]);
});

/** The replication offset the replica has acknowledged, and the primary's own. */
async function offsets(): Promise<{ acknowledged: number; primary: number }> {
  const info = await redis.info('replication');
  return {
    acknowledged: Number(/slave0:[^\r\n]*offset=(\d+)/.exec(info)![1]),
    primary: Number(/master_repl_offset:(\d+)/.exec(info)![1]),
  };
}

/** Waits (at most 10 s) until the replica has acknowledged everything the primary wrote. */
async function caughtUp(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let o = await offsets(); o.acknowledged < o.primary && Date.now() < deadline; o = await offsets()) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('RedisTicketReplayStore with waitForReplicas on a primary with one replica', () => {
  it('without WAIT acknowledges a claim the replica does not hold; with WAIT refuses it (503) and releases it', async () => {
    const plain = new RedisTicketReplayStore(redis);
    const waiting = new RedisTicketReplayStore(redis, { waitForReplicas: 1, waitTimeoutMs: 50 });
    replica.freeze(); // a replica that lags: it receives nothing until thawed
    try {
      const unreplicated = digest();
      expect(await plain.claim(unreplicated, TTL)).toBe(true);
      const { acknowledged, primary: written } = await offsets();
      expect(acknowledged).toBeLessThan(written); // acknowledged to the app, not on the replica: a failover now loses it

      const refused = digest();
      const error = await waiting.claim(refused, TTL).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(App2WxappReplayStoreError);
      expect((error as App2WxappReplayStoreError).getStatus()).toBe(503);
      expect((error as App2WxappReplayStoreError).retryAfterSeconds).toBe(1);
      expect((error as App2WxappReplayStoreError).message).toBe(
        'Login is unavailable: the ticket replay store could not confirm the claim on a replica',
      );
      expect(await redis.exists(`app2wxapp:ticket:${refused}`)).toBe(0); // released: the ticket may be presented again
    } finally {
      replica.thaw();
    }
    await caughtUp();
    const confirmed = digest();
    expect(await waiting.claim(confirmed, 120_000)).toBe(true);
    expect(await replicaClient.get(`app2wxapp:ticket:${confirmed}`)).toBe('1'); // WAIT returned: the replica holds it
    expect(await waiting.claim(confirmed, 120_000)).toBe(false);
  });

  it('measures what WAIT 1 costs per claim (interleaved rounds)', async () => {
    await caughtUp();
    // A generous WAIT timeout, so that a slow acknowledgement shows as latency rather than as a refused claim.
    const stores = { plain: new RedisTicketReplayStore(redis), wait: new RedisTicketReplayStore(redis, { waitForReplicas: 1, waitTimeoutMs: 1000 }) };
    const samples: Record<keyof typeof stores, number[]> = { plain: [], wait: [] };
    for (let round = 0; round < 6; round++) {
      for (const name of ['plain', 'wait'] as const) {
        for (let i = 0; i < 300; i++) {
          const started = process.hrtime.bigint();
          expect(await stores[name].claim(digest(), TTL)).toBe(true);
          samples[name].push(Number(process.hrtime.bigint() - started) / 1000);
        }
      }
    }
    const summary = (us: number[]) => {
      const sorted = [...us].sort((x, y) => x - y);
      const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
      const meanUs = Math.round(us.reduce((s, x) => s + x, 0) / us.length);
      return {
        claims: us.length,
        meanUs,
        p50Us: at(0.5),
        p99Us: at(0.99),
        maxUs: Math.round(sorted[sorted.length - 1]),
        over50ms: us.filter((x) => x > 50_000).length,
      };
    };
    const plain = summary(samples.plain);
    const wait = summary(samples.wait);
    recordMeasurement('redis-wait-cost', { plain, wait, addedMeanUs: wait.meanUs - plain.meanUs, addedP50Us: wait.p50Us - plain.p50Us });
  }, 60_000);
});
