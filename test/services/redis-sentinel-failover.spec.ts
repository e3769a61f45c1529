import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { type RunningApp, startApp } from '../e2e/support/test-app';
import { runLoginStream } from './support/login-stream';
import { recordMeasurement } from './support/measurements';
import { RedisSentinelGroup, SENTINEL_NAME } from './support/redis-sentinel';
import { redisBackedImports, redisConnected } from './support/redis-wiring';

// A steady stream of logins through an ioredis client in Sentinel mode while the primary is killed (SIGKILL) and
// Sentinel promotes the replica. Figures go to .tmp/measurements/ (docs/redis.md quotes them).

const POOL = 'pool-sentinel';
const SECRET = 'sentinel-secret-0e4a';
const TIMEOUT_MS = 2000;
const MARGIN_MS = 1500;
const STORE_DOWN = 'Login is unavailable: the ticket replay store does not answer';
const UNCONFIRMED = 'Login is unavailable: the ticket replay store could not confirm the claim on a replica';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  { waitForReplicas: 0, name: 'without WAIT' },
  { waitForReplicas: 1, name: 'with waitForReplicas: 1' },
])('a Sentinel failover under a stream of logins, $name', ({ waitForReplicas }) => {
  let group: RedisSentinelGroup;
  let emulator: App2WxappEmulator;
  let app: RunningApp;

  beforeAll(async () => {
    [group, emulator] = await Promise.all([RedisSentinelGroup.start(), App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET })]);
    const config = {
      REDIS_SENTINELS: group.sentinelList,
      REDIS_SENTINEL_NAME: SENTINEL_NAME,
      REDIS_WAIT_FOR_REPLICAS: String(waitForReplicas),
      AUTHING_USER_POOL_ID: POOL,
      AUTHING_USER_POOL_SECRET: SECRET,
      AUTHING_HOST: emulator.url,
      APP2WXAPP_TIMEOUT_MS: String(TIMEOUT_MS),
    };
    app = await startApp('express', redisBackedImports(config));
    await redisConnected(app.app);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await emulator?.close();
    await group?.destroy();
  });

  it('logs no ticket in twice, answers 503 with Retry-After (never 500, never past timeoutMs) and recovers without a restart', async () => {
    const oldPrimary = group.primary;
    const times: Record<string, number> = {};
    let done = false;
    // Kill the primary after 1.5 s of logins. With waitForReplicas the promoted replica has no replica of its own,
    // so logins wait for the old primary to come back (empty) and be turned into a replica by Sentinel.
    const scenario = (async () => {
      try {
        await sleep(1500);
        times.killed = Date.now();
        await oldPrimary.kill();
        await group.untilPrimaryIs(group.replica.port);
        times.promoted = Date.now();
        if (waitForReplicas) {
          await sleep(1000);
          await oldPrimary.restart();
          await group.untilReplicating(group.replica, oldPrimary);
          times.rejoined = Date.now();
        }
        await sleep(2000);
      } finally {
        done = true;
      }
    })();
    const log = await runLoginStream({
      issue: () => emulator.issueTicket(),
      present: (ticket) => app.post('/login', { ticket }),
      workers: 4,
      more: () => !done,
      maxMs: 60_000,
      maxPerWorker: 5000,
    }).finally(() => scenario.catch(() => undefined)); // never leave the scenario (re)starting servers after afterAll
    await scenario;

    // What a user sees: 200, 401 for a replay, or 503 with Retry-After; never a hang past timeoutMs.
    for (const p of log) {
      expect({ status: p.status, slow: p.elapsedMs >= TIMEOUT_MS + MARGIN_MS }).toEqual({ status: expect.any(Number), slow: false });
      if (p.status === 503) {
        expect([p.retryAfter, p.message]).toEqual(['1', waitForReplicas ? expect.stringMatching(`^(${STORE_DOWN}|${UNCONFIRMED})$`) : STORE_DOWN]);
      } else if (p.replay) {
        expect([p.status, p.message]).toEqual([401, 'This ticket has already been used']);
      } else {
        expect(p.status).toBe(200);
      }
    }
    // After the failover every ticket that logged in is still refused: no claim was lost.
    const loggedIn = log.filter((p) => p.status === 200).map((p) => p.ticket);
    expect(new Set(loggedIn).size).toBe(loggedIn.length);
    for (const ticket of loggedIn) {
      const again = await app.post('/login', { ticket });
      expect([again.status, again.body.message]).toEqual([401, 'This ticket has already been used']);
    }
    expect(emulator.requestCount).toBe(loggedIn.length); // one exchange per login, none for a replay

    const isLogin = (p: (typeof log)[number]) => !p.replay && p.status === 200;
    const before = log.filter((p) => isLogin(p) && p.startedAt < times.killed);
    const resumed = log.find((p) => isLogin(p) && p.startedAt >= times.killed);
    expect(before.length).toBeGreaterThan(10);
    expect(resumed).toBeDefined(); // logins succeed again, with the same app and client
    const window = resumed!.startedAt + resumed!.elapsedMs - times.killed;
    const refused = log.filter((p) => p.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(window).toBeLessThan(waitForReplicas ? 40_000 : 15_000);
    if (!waitForReplicas) expect(resumed!.startedAt).toBeLessThan(times.promoted + 5000);
    if (waitForReplicas) {
      expect(refused.some((p) => p.message === UNCONFIRMED && p.startedAt > times.promoted)).toBe(true);
      expect(resumed!.startedAt + resumed!.elapsedMs).toBeGreaterThan(times.rejoined - 1000);
    }
    expect(log.filter((p) => isLogin(p) && p.startedAt > times.killed + window).length).toBeGreaterThan(10);

    recordMeasurement(`sentinel-failover-wait${waitForReplicas}`, {
      waitForReplicas,
      presentations: log.length,
      loginsBeforeKill: before.length,
      logins: loggedIn.length,
      answered503: refused.length,
      maxElapsedMs: Math.max(...log.map((p) => p.elapsedMs)),
      killToPromotionMs: times.promoted - times.killed,
      killToRejoinMs: times.rejoined ? times.rejoined - times.killed : undefined,
      failoverWindowMs: window,
    });
  }, 90_000);
});
