import { command } from './redis-cluster';
import { RedisServer } from './redis-server';

export const SENTINEL_NAME = 'mymaster';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One primary, one replica and three Sentinels (quorum 2) on 127.0.0.1, each on a free port in its own temporary
 * directory. Sentinels call the primary down after 1 s of silence and give a failover 5 s.
 */
export class RedisSentinelGroup {
  private constructor(
    readonly primary: RedisServer,
    readonly replica: RedisServer,
    readonly sentinels: RedisServer[],
  ) {}

  static async start(): Promise<RedisSentinelGroup> {
    const servers: RedisServer[] = [];
    try {
      const primary = await RedisServer.start();
      servers.push(primary);
      const replica = await RedisServer.start({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
      servers.push(replica);
      const config = [
        `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_NAME} 5000`,
        `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
        '',
      ].join('\n');
      for (let i = 0; i < 3; i++) servers.push(await RedisServer.start({ config, sentinel: true }));
      const group = new RedisSentinelGroup(primary, replica, servers.slice(2));
      await group.untilSettled();
      return group;
    } catch (err) {
      await Promise.all(servers.map((s) => s.destroy()));
      throw err;
    }
  }

  /** `host:port,...` of the Sentinels. */
  get sentinelList(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  /** The port of the primary the Sentinels name now (`SENTINEL GET-MASTER-ADDR-BY-NAME`). */
  async primaryPort(sentinel = this.sentinels[0]): Promise<number> {
    const [, port] = (await command(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME)) as unknown as string[];
    return Number(port);
  }

  /** Waits (at most 30 s) until the replica is in sync and every Sentinel knows it and the two other Sentinels. */
  private async untilSettled(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const info = await command(this.primary.port, 'INFO', 'replication').catch(() => '');
      const views = await Promise.all(
        this.sentinels.map(async (s) => {
          const replicas = await command(s.port, 'SENTINEL', 'REPLICAS', SENTINEL_NAME).catch(() => []);
          const peers = await command(s.port, 'SENTINEL', 'SENTINELS', SENTINEL_NAME).catch(() => []);
          return replicas.length === 1 && peers.length === 2;
        }),
      );
      if (info.includes(`port=${this.replica.port},state=online`) && views.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error('the Sentinels did not discover the replica and each other within 30 s');
      await sleep(200);
    }
  }

  /** Waits (at most 30 s) until every Sentinel names `port` as the primary. */
  async untilPrimaryIs(port: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ports = await Promise.all(this.sentinels.map((s) => this.primaryPort(s).catch(() => 0)));
      if (ports.every((p) => p === port)) return;
      if (Date.now() > deadline) throw new Error(`the Sentinels did not promote ${port} within 30 s (they name ${ports})`);
      await sleep(100);
    }
  }

  /** Waits (at most 30 s) until `replica` replicates from `primary` and is in sync. */
  async untilReplicating(primary: RedisServer, replica: RedisServer): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const info = await command(primary.port, 'INFO', 'replication').catch(() => '');
      if (info.includes(`port=${replica.port},state=online`)) return;
      if (Date.now() > deadline) throw new Error(`${replica.port} did not become a replica of ${primary.port} within 30 s`);
      await sleep(200);
    }
  }

  async destroy(): Promise<void> {
    await Promise.all([this.primary, this.replica, ...this.sentinels].map((s) => s.destroy()));
  }
}
