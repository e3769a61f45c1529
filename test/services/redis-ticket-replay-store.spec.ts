import { createHash, randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { RedisTicketReplayStore } from 'nestjs-app2wxapp';
import { freePort as closedPort } from '../support/free-port';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) {
  // CI provides the server; a silent skip would pass without testing anything.
  throw new Error(
    'TEST_REDIS_URL is not set: this suite needs a real Redis server. Start one with ' +
      '`source .ci/redis.sh && start_redis` (it exports TEST_REDIS_URL), then run `npm run test:services`.',
  );
}

const digest = (ticket: string) => createHash('sha256').update(ticket).digest('hex');
const TTL = 120_000;

/** With the offline queue off, a command sent before the connection is ready fails: wait for it. */
const ready = (client: Redis) => (client.status === 'ready' ? Promise.resolve() : new Promise((resolve) => client.once('ready', resolve)));

describe('RedisTicketReplayStore on a real Redis', () => {
  const clients: Redis[] = [];
  const connect = (options: RedisOptions = {}) => {
    const client = new Redis(redisUrl, { maxRetriesPerRequest: 0, enableOfflineQueue: false, ...options });
    client.on('error', () => undefined); // connection errors are what some tests are about
    clients.push(client);
    return client;
  };
  let redis: Redis;

  beforeAll(async () => {
    redis = connect();
    await ready(redis);
  });
  afterAll(() => Promise.all(clients.map((c) => (c.status === 'ready' ? c.quit() : c.status === 'end' ? undefined : c.disconnect()))));

  it('claims with SET NX PX under app2wxapp:ticket:<sha256>, storing "1" and never the ticket', async () => {
    const store = new RedisTicketReplayStore(redis);
    const ticket = `eyJ.${randomUUID()}.sig`;
    const key = digest(ticket);

    expect(await store.claim(key, TTL)).toBe(true);
    expect(await redis.get(`app2wxapp:ticket:${key}`)).toBe('1');
    const pttl = await redis.pttl(`app2wxapp:ticket:${key}`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(TTL);
    expect(await redis.keys(`*${ticket}*`)).toEqual([]);

    expect(await store.claim(key, TTL)).toBe(false);
  });

  it('release frees the claim', async () => {
    const store = new RedisTicketReplayStore(redis);
    const key = digest(randomUUID());
    expect(await store.claim(key, TTL)).toBe(true);
    await store.release(key);
    expect(await redis.exists(`app2wxapp:ticket:${key}`)).toBe(0);
    expect(await store.claim(key, TTL)).toBe(true);
  });

  it('lets a claim expire after its TTL', async () => {
    const store = new RedisTicketReplayStore(redis);
    const key = digest(randomUUID());
    expect(await store.claim(key, 30)).toBe(true);
    while ((await redis.pttl(`app2wxapp:ticket:${key}`)) !== -2) await new Promise((r) => setTimeout(r, 10));
    expect(await store.claim(key, TTL)).toBe(true);
  });

  it('honours keyPrefix', async () => {
    const prefix = `test:${randomUUID()}:`;
    const store = new RedisTicketReplayStore(redis, { keyPrefix: prefix });
    const key = digest(randomUUID());
    expect(await store.claim(key, TTL)).toBe(true);
    expect(await redis.keys(`${prefix}*`)).toEqual([`${prefix}${key}`]);
    expect(await new RedisTicketReplayStore(redis).claim(key, TTL)).toBe(true); // another prefix, another namespace
  });

  it('gives exactly one winner among 200 concurrent claims from 4 connections', async () => {
    const stores = [redis, connect(), connect(), connect()].map((client) => new RedisTicketReplayStore(client));
    await Promise.all(clients.map(ready));
    const key = digest(randomUUID());
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % 4].claim(key, TTL)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('connects a lazyConnect client on first use', async () => {
    const lazy = connect({ lazyConnect: true });
    expect(lazy.status).toBe('wait');
    const store = new RedisTicketReplayStore(lazy);
    const key = digest(randomUUID());
    const [a, b] = await Promise.all([store.claim(key, TTL), store.claim(key, TTL)]);
    expect([a, b].sort()).toEqual([false, true]);
    expect(lazy.status).toBe('ready');
  });

  it.each([
    ['the recommended settings', { maxRetriesPerRequest: 0, enableOfflineQueue: false }],
    ["ioredis's defaults (offline queue on)", { maxRetriesPerRequest: 20, enableOfflineQueue: true }],
  ])('refuses at once, without queueing, while Redis is unreachable: %s', async (_name, options) => {
    const port = await closedPort();
    const down = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 50, disconnectTimeout: 10, ...options });
    down.on('error', () => undefined);
    clients.push(down);
    await new Promise((resolve) => down.once('error', resolve)); // the first connection attempt has failed
    const store = new RedisTicketReplayStore(down);

    const started = Date.now();
    const claim = await store.claim(digest('t'), TTL).catch((e: unknown) => e);
    const release = await store.release(digest('t')).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    for (const error of [claim, release]) {
      expect(error).toMatchObject({
        name: 'RedisReplayStoreUnavailableError',
        code: expect.stringMatching(/^REDIS_(CONNECTING|RECONNECTING|CLOSE)$/),
        message: expect.stringMatching(/Redis is not ready \(client status "\w+"\); the claim is refused rather than queued/),
      });
    }
  });

  it('refuses once the client has been closed', async () => {
    const closing = connect();
    await ready(closing);
    const ended = new Promise((resolve) => closing.once('end', resolve));
    await closing.quit();
    await ended;
    await expect(new RedisTicketReplayStore(closing).claim(digest('x'), TTL)).rejects.toMatchObject({ code: 'REDIS_END' });
  });

  it('rejects something that is not a Redis client', () => {
    expect(() => new RedisTicketReplayStore({} as never)).toThrow(/pass an ioredis client/);
  });
});
