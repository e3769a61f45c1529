import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../../support/free-port';
import { REDIS_SERVER_BIN, RedisServer } from './redis-server';

/** redis-cli beside the redis-server in use (Debian ships both in /usr/bin), else the one on PATH. */
const CLI = process.env.TEST_REDIS_SERVER_BIN ? join(dirname(REDIS_SERVER_BIN), 'redis-cli') : 'redis-cli';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ClusterNode {
  server: RedisServer;
  port: number;
  /** The node's cluster id (`CLUSTER MYID`). */
  id: string;
}

/**
 * A real Redis Cluster of `size` primaries and no replicas on 127.0.0.1: `redis-server --cluster-enabled yes` on free
 * ports (client and bus), each in its own temporary directory, joined by `redis-cli --cluster create`. Nodes declare a
 * dead peer failed after 1 s, and keep serving their own slots meanwhile (`cluster-require-full-coverage no`).
 */
export class RedisCluster {
  private constructor(readonly nodes: ClusterNode[]) {}

  static async start(size = 3): Promise<RedisCluster> {
    const servers: RedisServer[] = [];
    try {
      for (let i = 0; i < size; i++) {
        const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '1000'];
        args.push('--cluster-require-full-coverage', 'no', '--cluster-port', String(await freePort()));
        servers.push(await RedisServer.start({ args }));
      }
      const addresses = servers.map((s) => `127.0.0.1:${s.port}`);
      await promisify(execFile)(CLI, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
        timeout: 30_000,
      }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`redis-cli --cluster create failed: ${err.stdout ?? ''}${err.stderr ?? ''}${err.message}`);
      });
      const nodes = await Promise.all(
        servers.map(async (server) => ({ server, port: server.port, id: await command(server.port, 'CLUSTER', 'MYID') })),
      );
      const cluster = new RedisCluster(nodes as ClusterNode[]);
      await cluster.untilState('ok');
      return cluster;
    } catch (err) {
      await Promise.all(servers.map((s) => s.destroy()));
      throw err;
    }
  }

  /** Seed nodes for `new Cluster(...)`. */
  get startupNodes(): { host: string; port: number }[] {
    return this.nodes.map(({ port }) => ({ host: '127.0.0.1', port }));
  }

  /** The primary that serves `slot`, as every live node sees it (`CLUSTER SLOTS`). */
  async ownerOf(slot: number, askPort = this.nodes.find((n) => n.server.pid)!.port): Promise<ClusterNode> {
    const ranges = (await command(askPort, 'CLUSTER', 'SLOTS')) as unknown as [number, number, [string, number, string]][];
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    const node = this.nodes.find((n) => n.id === range?.[2][2]);
    if (!node) throw new Error(`no node serves slot ${slot}`);
    return node;
  }

  /** Waits (at most 20 s) until every live node reports `cluster_state:<state>`. */
  async untilState(state: 'ok' | 'fail', nodes = this.nodes.filter((n) => n.server.pid)): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const infos = await Promise.all(nodes.map((n) => command(n.port, 'CLUSTER', 'INFO').catch(() => '')));
      if (infos.every((info) => info.includes(`cluster_state:${state}`))) return;
      if (Date.now() > deadline) throw new Error(`the cluster did not reach state ${state} within 20 s`);
      await sleep(100);
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.server.destroy()));
  }
}

/** One command on a short-lived direct connection to one node (no cluster routing). */
export async function command(port: number, name: string, ...args: (string | number)[]): Promise<string> {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.call(name, ...args)) as string;
  } finally {
    client.disconnect();
  }
}
