import { createHash, randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { RedisTicketReplayStore } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { type RunningApp, startApp, type TestResponse } from '../e2e/support/test-app';
import { recordMeasurement } from './support/measurements';
import { command, type ClusterNode, RedisCluster } from './support/redis-cluster';
import { redisBackedImports, redisConnected } from './support/redis-wiring';
import { buildReplayInstance, type ReplayInstance, startReplayInstance } from './support/replay-instance.launcher';
import { expectOneLoginOf50 } from './support/concurrent-presentations';

// The replay store through an ioredis Cluster on a real 3-primary Redis Cluster (no replicas), as docs/redis.md wires
// it: instance A in this process, instance B in a child process (Passport strategies are process-global).

const POOL = 'pool-cluster';
const SECRET = 'cluster-secret-51c7';
const TIMEOUT_MS = 2000;
const MARGIN_MS = 1500;
const PREFIX = 'app2wxapp:ticket:';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const keyOf = (ticket: string) => PREFIX + createHash('sha256').update(ticket).digest('hex');

let cluster: RedisCluster;
let build: Awaited<ReturnType<typeof buildReplayInstance>>;
let emulator: App2WxappEmulator;
let a: RunningApp;
let b: ReplayInstance;
const presented: string[] = [];
const onA = (ticket: string) => (presented.push(ticket), a.post('/login', { ticket }));
const onB = (ticket: string) => (presented.push(ticket), b.post('/login', { ticket }));

beforeAll(async () => {
  [cluster, build, emulator] = await Promise.all([
    RedisCluster.start(3),
    buildReplayInstance(),
    App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET }),
  ]);
  const config = {
    REDIS_CLUSTER_NODES: cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(','),
    AUTHING_USER_POOL_ID: POOL,
    AUTHING_USER_POOL_SECRET: SECRET,
    AUTHING_HOST: emulator.url,
    APP2WXAPP_TIMEOUT_MS: String(TIMEOUT_MS),
  };
  [a, b] = await Promise.all([startApp('express', redisBackedImports(config)), startReplayInstance(build.script, { ...config, ADAPTER: 'fastify' })]);
  await redisConnected(a.app);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.stop()]);
  await emulator?.close();
  await cluster?.destroy();
  build?.remove();
});

const slotOf = async (key: string) => Number(await command(cluster.nodes[0].port, 'CLUSTER', 'KEYSLOT', key));
const keysOn = async (node: ClusterNode) => ((await command(node.port, 'KEYS', `${PREFIX}*`)) as unknown as string[]).sort();

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

async function expectReplayRefused(res: Promise<TestResponse>) {
  const answer = await res;
  expect(answer.status).toBe(401);
  expect(answer.body.message).toBe('This ticket has already been used');
}

/** Presents tickets until none answers 503 (at most 20 s); resolves the last answers. */
async function untilNone503(present: () => Promise<TestResponse[]>): Promise<TestResponse[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answers = await present();
    if (answers.every((r) => r.status !== 503) || Date.now() > deadline) return answers;
    await sleep(200);
  }
}

describe('RedisTicketReplayStore through an ioredis Cluster (3 primaries)', () => {
  it('claims and releases keys spread over all three primaries, each key on the primary that serves its slot', async () => {
    const client = new Cluster(cluster.startupNodes, { enableOfflineQueue: false, redisOptions: { maxRetriesPerRequest: 0 } });
    client.on('error', () => undefined);
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const store = new RedisTicketReplayStore(client);
      const digests = Array.from({ length: 60 }, () => createHash('sha256').update(randomUUID()).digest('hex'));
      expect(await Promise.all(digests.map((d) => store.claim(d, 120_000)))).toEqual(Array(60).fill(true));
      expect(await Promise.all(digests.map((d) => store.claim(d, 120_000)))).toEqual(Array(60).fill(false));

      const held = await Promise.all(cluster.nodes.map(keysOn));
      for (const keys of held) expect(keys.length).toBeGreaterThan(0); // every primary holds some claims
      expect(held.flat().sort()).toEqual(digests.map((d) => PREFIX + d).sort());
      for (const [i, keys] of held.entries()) {
        for (const key of keys) expect((await cluster.ownerOf(await slotOf(key))).id).toBe(cluster.nodes[i].id);
      }

      await Promise.all(digests.map((d) => store.release(d)));
      expect((await Promise.all(cluster.nodes.map(keysOn))).flat()).toEqual([]);
      expect(await store.claim(digests[0], 120_000)).toBe(true);
      await store.release(digests[0]);
    } finally {
      client.disconnect();
    }
  });

  it('gives exactly one login for 50 concurrent presentations of one ticket split across two instances', async () => {
    await expectOneLoginOf50(emulator, onA, onB);
  });

  it('follows ASK and MOVED while the slot of a claim migrates to another primary: no 500, the replay stays refused', async () => {
    const used = emulator.issueTicket();
    const fresh = emulator.issueTicket();
    expect((await onA(used)).status).toBe(200);
    const before = emulator.requestCount;

    for (const ticket of [used, fresh]) {
      const key = keyOf(ticket);
      const slot = await slotOf(key);
      const source = await cluster.ownerOf(slot);
      const target = cluster.nodes.find((n) => n !== source)!;
      const asked = await askingCalls(target);
      await command(target.port, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id);
      await command(source.port, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id);
      if (ticket === used) {
        await expectReplayRefused(onA(used)); // the source still holds the key and answers itself
        await command(source.port, 'MIGRATE', '127.0.0.1', target.port, '', 0, 5000, 'KEYS', key);
        await expectReplayRefused(onB(used)); // the source answers ASK; the target holds the key
        await expectReplayRefused(onA(used));
      } else {
        expect((await onA(fresh)).status).toBe(200); // ASK: a new claim is written on the target
        await expectReplayRefused(onB(fresh));
      }
      expect(await askingCalls(target)).toBeGreaterThan(asked);
      expect(await command(target.port, 'CLUSTER', 'COUNTKEYSINSLOT', slot)).toBe(1);
      expect(await command(source.port, 'CLUSTER', 'COUNTKEYSINSLOT', slot)).toBe(0);

      for (const node of [target, source, ...cluster.nodes.filter((n) => n !== source && n !== target)]) {
        await command(node.port, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
      }
      const moved = await errorCount(source, 'MOVED');
      await expectReplayRefused(onA(ticket)); // the clients' slot maps are stale: MOVED, then the target
      await expectReplayRefused(onB(ticket));
      expect(await errorCount(source, 'MOVED')).toBeGreaterThan(moved);
      expect((await cluster.ownerOf(slot)).id).toBe(target.id);
    }
    expect(emulator.requestCount - before).toBe(1); // only the fresh ticket was exchanged
  });

  it('answers 503 within timeoutMs for the slots of a stopped primary while the others log in; all of them again once it is back', async () => {
    const stopped = cluster.nodes[0];
    // Fresh tickets until 6 hash to the stopped primary's slots and 12 to the others' (at most 300 tickets).
    const onStopped: string[] = [];
    const onOthers: string[] = [];
    for (let i = 0; i < 300 && (onStopped.length < 6 || onOthers.length < 12); i++) {
      const ticket = emulator.issueTicket();
      const owner = await cluster.ownerOf(await slotOf(keyOf(ticket)));
      if (owner === stopped && onStopped.length < 6) onStopped.push(ticket);
      else if (owner !== stopped && onOthers.length < 12) onOthers.push(ticket);
    }
    expect([onStopped.length, onOthers.length]).toEqual([6, 12]);
    const tickets = [...onStopped, ...onOthers];
    const before = emulator.requestCount;

    await stopped.server.stop();
    const refusedMs: number[] = [];
    for (const [i, ticket] of onStopped.entries()) {
      const started = Date.now();
      const res = await (i % 2 ? onB : onA)(ticket);
      refusedMs.push(Date.now() - started);
      expectStoreUnavailable(res, refusedMs.at(-1)!);
    }
    const others = await Promise.all(onOthers.map((t, i) => (i % 2 ? onB : onA)(t)));
    expect(others.map((r) => r.status)).toEqual(onOthers.map(() => 200));
    expect(emulator.requestCount - before).toBe(onOthers.length); // nobody logged in on the stopped primary's slots

    const restartedAt = Date.now();
    await stopped.server.restart();
    await cluster.untilState('ok', cluster.nodes);
    const after = await untilNone503(() => Promise.all(onStopped.map((t, i) => (i % 2 ? onA : onB)(t))));
    expect(after.map((r) => r.status)).toEqual(onStopped.map(() => 200)); // the refused tickets were not burnt
    recordMeasurement('cluster-stopped-primary', {
      ticketsOnStoppedPrimary: onStopped.length,
      ticketsOnOthers: onOthers.length,
      refusedMinMs: Math.min(...refusedMs),
      refusedMaxMs: Math.max(...refusedMs),
      restartToAllLoggedInMs: Date.now() - restartedAt,
    });
    for (const ticket of tickets) await expectReplayRefused(onA(ticket));
  }, 90_000);

  it('with cluster-require-full-coverage yes, one dead primary makes every login answer 503', async () => {
    const [dead, ...live] = cluster.nodes;
    const setCoverage = (value: string) => Promise.all(live.map((n) => command(n.port, 'CONFIG', 'SET', 'cluster-require-full-coverage', value)));
    await setCoverage('yes');
    await dead.server.stop();
    try {
      await cluster.untilState('fail', live);
      const tickets = Array.from({ length: 12 }, () => emulator.issueTicket());
      const started = Date.now();
      const answers = await Promise.all(tickets.map((t, i) => (i % 2 ? onB : onA)(t)));
      for (const res of answers) expectStoreUnavailable(res, Date.now() - started);
    } finally {
      await setCoverage('no');
      await dead.server.restart();
      await cluster.untilState('ok', cluster.nodes);
    }
    const answers = await untilNone503(() => Promise.all([onA(emulator.issueTicket()), onB(emulator.issueTicket())]));
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
  }, 90_000);

  it('never logs a ticket or the secret', () => {
    const log = b.output();
    expect(log).toContain('Replay store unavailable');
    for (const secret of [SECRET, ...new Set(presented)]) expect(log).not.toContain(secret);
  });
});

async function askingCalls(node: ClusterNode): Promise<number> {
  const info = await command(node.port, 'INFO', 'commandstats');
  return Number(/cmdstat_asking:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

async function errorCount(node: ClusterNode, prefix: string): Promise<number> {
  const info = await command(node.port, 'INFO', 'errorstats');
  return Number(new RegExp(`errorstat_${prefix}:count=(\\d+)`).exec(info)?.[1] ?? 0);
}
