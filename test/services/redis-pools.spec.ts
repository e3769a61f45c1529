import { createHash } from 'node:crypto';
import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { Redis } from 'ioredis';
import { App2WxappGuard, RedisTicketReplayStore } from 'nestjs-app2wxapp';
import { ADAPTERS, type RunningApp, startApp } from '../e2e/support/test-app';
import { startTwoEmulators, type TwoEmulators, twoPoolModules } from '../e2e/support/two-pools';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) {
  throw new Error(
    'TEST_REDIS_URL is not set: this suite needs a real Redis server. Start one with ' +
      '`source .ci/redis.sh && start_redis` (it exports TEST_REDIS_URL), then run `npm run test:services`.',
  );
}

const digest = (ticket: string) => createHash('sha256').update(ticket).digest('hex');
const defaultKey = (ticket: string) => `app2wxapp:ticket:${digest(ticket)}`;
const genauthKey = (ticket: string) => `app2wxapp:ticket:genauth:${digest(ticket)}`;

@Controller('genauth')
class GenauthController {
  @Post()
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forPool('genauth'))
  login() {
    return { ok: true };
  }
}

describe.each(ADAPTERS)('two pools on one real Redis on %s', (adapter) => {
  let emulators: TwoEmulators;
  let redis: Redis;
  let running: RunningApp;
  /** The keys this suite's tickets left in Redis (the server is shared with other suites). */
  const ours = async (...tickets: string[]) => {
    const digests = tickets.map(digest);
    return (await redis.keys('app2wxapp:ticket:*')).filter((key) => digests.some((d) => key.endsWith(d))).sort();
  };

  beforeAll(async () => {
    emulators = await startTwoEmulators();
    redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    await new Promise((resolve) => redis.once('ready', resolve));
    // Each pool gets its own store on the same client, with the default key prefix: the pools' names keep them apart.
    running = await startApp(
      adapter,
      twoPoolModules(
        emulators,
        { replayStore: new RedisTicketReplayStore(redis) },
        { replayStore: new RedisTicketReplayStore(redis), circuitBreaker: false },
      ),
      { controllers: [GenauthController] },
    );
  });
  afterAll(async () => {
    await running.close();
    await redis.quit();
    await emulators.close();
  });
  beforeEach(() => emulators.reset());

  it('the default pool claims app2wxapp:ticket:<sha256>, a named pool app2wxapp:ticket:genauth:<sha256>', async () => {
    const a = emulators.a.issueTicket();
    const b = emulators.b.issueTicket();
    expect((await running.post('/login', { ticket: a })).status).toBe(200);
    expect((await running.post('/genauth', { ticket: b })).status).toBe(200);

    expect(await ours(a, b)).toEqual([defaultKey(a), genauthKey(b)].sort());
    expect(defaultKey(a)).toMatch(/^app2wxapp:ticket:[0-9a-f]{64}$/);
    expect(genauthKey(b)).toMatch(/^app2wxapp:ticket:genauth:[0-9a-f]{64}$/);
    expect(await redis.mget(defaultKey(a), genauthKey(b))).toEqual(['1', '1']);
    expect(await redis.keys(`*${a}*`)).toEqual([]); // digests only, never a ticket

    for (const [path, ticket] of [
      ['/login', a],
      ['/genauth', b],
    ]) {
      const replay = await running.post(path, { ticket });
      expect([replay.status, replay.body.message]).toEqual([401, 'This ticket has already been used']);
    }
    expect([emulators.a.requestCount, emulators.b.requestCount]).toEqual([1, 1]);
  });

  it('one ticket presented to both pools: claims per pool that do not clash; a refused ticket frees its own', async () => {
    const ticket = emulators.a.issueTicket();
    expect((await running.post('/login', { ticket })).status).toBe(200); // pool A claims it and logs in
    expect(await ours(ticket)).toEqual([defaultKey(ticket)]);
    // Pool B has not seen it: it claims it under its own key, its Authing refuses it, and the refusal frees B's claim
    // (Authing refuses that ticket again), never A's.
    expect((await running.post('/genauth', { ticket })).status).toBe(401);
    expect(await ours(ticket)).toEqual([defaultKey(ticket)]);
    expect([emulators.a.requestCount, emulators.b.requestCount]).toEqual([1, 1]);
  });

  it("a transient failure in one pool releases that pool's claim only", async () => {
    const ticket = emulators.a.issueTicket();
    expect((await running.post('/login', { ticket })).status).toBe(200);
    emulators.b.failNext('http500');
    expect((await running.post('/genauth', { ticket })).status).toBe(502);
    expect(await ours(ticket)).toEqual([defaultKey(ticket)]);
  });
});
