import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { type AdapterName, type RunningApp, startApp, type TestResponse } from '../e2e/support/test-app';
import { redisBackedImports, redisConnected } from './support/redis-wiring';
import { RedisServer } from './support/redis-server';
import { buildReplayInstance, type ReplayInstance, startReplayInstance } from './support/replay-instance.launcher';
import { expectOneLoginOf50 } from './support/concurrent-presentations';

// Two instances of one app behind a load balancer, sharing one real Redis: instance A in this process, instance B in a
// child process (Passport strategies are process-global, so a second instance in this process would share A's).

const POOL = 'pool-multi-instance';
const SECRET = 'multi-instance-secret-9d2b';
const TIMEOUT_MS = 2000;
const MARGIN_MS = 1500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const digest = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

let redisServer: RedisServer;
let build: Awaited<ReturnType<typeof buildReplayInstance>>;

beforeAll(async () => {
  [redisServer, build] = await Promise.all([RedisServer.start(), buildReplayInstance()]);
}, 120_000);
afterAll(async () => {
  await redisServer?.destroy();
  build?.remove();
});

function expectStoreUnavailable(res: TestResponse, elapsedMs: number) {
  expect(res.status).toBe(503);
  expect(res.body).toEqual({
    statusCode: 503,
    error: 'Service Unavailable',
    message: 'Login is unavailable: the ticket replay store does not answer',
  });
  expect(res.headers.get('retry-after')).toBe('1');
  expect(elapsedMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
}

/** Presents `ticket` until the answer is not 503 (Redis is back and the client reconnected), at most 20 s. */
async function untilNot503(present: () => Promise<TestResponse>): Promise<TestResponse> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await present();
    if (res.status !== 503 || Date.now() > deadline) return res;
    await sleep(100);
  }
}

describe.each<[AdapterName, AdapterName]>([
  ['express', 'fastify'],
  ['fastify', 'express'],
])('two instances (A on %s, B on %s) sharing one Redis', (adapterA, adapterB) => {
  let emulator: App2WxappEmulator;
  let a: RunningApp;
  let b: ReplayInstance;
  let inspector: Redis;
  const presented: string[] = [];

  const onA = (ticket: string) => (presented.push(ticket), a.post('/login', { ticket }));
  const onB = (ticket: string) => (presented.push(ticket), b.post('/login', { ticket }));

  beforeAll(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
    const config = {
      REDIS_URL: redisServer.url,
      AUTHING_USER_POOL_ID: POOL,
      AUTHING_USER_POOL_SECRET: SECRET,
      AUTHING_HOST: emulator.url,
      APP2WXAPP_TIMEOUT_MS: String(TIMEOUT_MS),
    };
    [a, b] = await Promise.all([startApp(adapterA, redisBackedImports(config)), startReplayInstance(build.script, { ...config, ADAPTER: adapterB })]);
    await redisConnected(a.app);
    inspector = new Redis(redisServer.url, { maxRetriesPerRequest: 0, lazyConnect: true });
    inspector.on('error', () => undefined);
  }, 60_000);

  afterAll(async () => {
    inspector?.disconnect();
    await Promise.all([a?.close(), b?.stop()]);
    await emulator?.close();
  });

  it('refuses on B a ticket used on A, and on A a ticket used on B; Redis holds only the digest', async () => {
    const first = emulator.issueTicket({ unionid: 'oMultiA', nickname: 'Used on A' });
    const onFirst = await onA(first);
    expect(onFirst.status).toBe(200);
    expect(onFirst.body.user).toMatchObject({ id: emulator.userId('oMultiA'), nickname: 'Used on A' });
    const replayed = await onB(first);
    expect(replayed.status).toBe(401);
    expect(replayed.body.message).toBe('This ticket has already been used');

    const second = emulator.issueTicket();
    expect((await onB(second)).status).toBe(200);
    expect((await onA(second)).status).toBe(401);
    expect(emulator.requestCount).toBe(2);

    expect(await inspector.get(`app2wxapp:ticket:${digest(first)}`)).toBe('1');
    const pttl = await inspector.pttl(`app2wxapp:ticket:${digest(first)}`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(120_000);
    const keys = await inspector.keys('*');
    const values = await Promise.all(keys.map((key) => inspector.get(key)));
    for (const ticket of [first, second]) expect(JSON.stringify([keys, values])).not.toContain(ticket);
  });

  it('gives exactly one login for 50 concurrent presentations of one ticket split across A and B', async () => {
    await expectOneLoginOf50(emulator, onA, onB);
  });

  it('answers 503 quickly and logs nobody in while Redis is stopped; works again after Redis restarts, without restarting the apps', async () => {
    const before = emulator.requestCount;
    const ticket = emulator.issueTicket({ nickname: 'Outage' });
    await redisServer.stop();

    for (const present of [onA, onB, onA, onB]) {
      const started = Date.now();
      const res = await present(ticket);
      expectStoreUnavailable(res, Date.now() - started);
    }
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? onB : onA)(emulator.issueTicket())));
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(503));
    expect(emulator.requestCount).toBe(before); // fail closed: no exchange, nobody logged in

    await redisServer.restart();
    const onBAgain = await untilNot503(() => onB(ticket));
    expect(onBAgain.status).toBe(200); // the ticket refused during the outage was not burnt
    expect(onBAgain.body.user.nickname).toBe('Outage');
    expect((await untilNot503(() => onA(emulator.issueTicket()))).status).toBe(200);
    expect((await onA(ticket)).status).toBe(401); // and replay protection is back
  }, 60_000);

  it('answers 503 within timeoutMs while Redis is frozen (connected but silent), and recovers when it answers again', async () => {
    const before = emulator.requestCount;
    redisServer.freeze();
    try {
      const started = Date.now();
      const answers = await Promise.all([onA(emulator.issueTicket()), onB(emulator.issueTicket())]);
      for (const res of answers) expectStoreUnavailable(res, Date.now() - started);
      expect(emulator.requestCount).toBe(before);
    } finally {
      redisServer.thaw();
    }
    expect((await untilNot503(() => onA(emulator.issueTicket()))).status).toBe(200);
    expect((await untilNot503(() => onB(emulator.issueTicket()))).status).toBe(200);
  }, 60_000);

  it('never logs a ticket or the secret', () => {
    expect(presented.length).toBeGreaterThan(50);
    const log = b.output();
    expect(log).toContain('Replay store unavailable');
    for (const secret of [SECRET, ...new Set(presented)]) expect(log).not.toContain(secret);
  });
});
