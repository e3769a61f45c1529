import { Cluster, Redis } from 'ioredis';

// The ioredis clients of docs/redis.md, chosen by configuration: one Redis (REDIS_URL), a Cluster
// (REDIS_CLUSTER_NODES=host:port,...) or a primary found through Sentinel (REDIS_SENTINELS=host:port,...,
// REDIS_SENTINEL_NAME). Every one fails fast rather than queueing, and reconnects within about a second.

type Config = (name: string) => string | undefined;

/** Reconnect after 100 ms, 200 ms, ... and never wait more than 1 s (ioredis 6's default grows to 5 s). */
const retryStrategy = (times: number) => Math.min(times * 100, 1000);

const hostPorts = (list: string) =>
  list.split(',').map((entry) => {
    const [host, port] = entry.trim().split(':');
    return { host, port: Number(port) };
  });

export function createRedisClient(config: Config): Redis | Cluster {
  const clusterNodes = config('REDIS_CLUSTER_NODES');
  if (clusterNodes) {
    return new Cluster(hostPorts(clusterNodes), {
      enableOfflineQueue: false,
      clusterRetryStrategy: retryStrategy,
      redisOptions: { maxRetriesPerRequest: 0, commandTimeout: 1000 },
    });
  }
  const sentinels = config('REDIS_SENTINELS');
  if (sentinels) {
    return new Redis({
      sentinels: hostPorts(sentinels),
      name: config('REDIS_SENTINEL_NAME') ?? 'mymaster',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1000,
      retryStrategy,
      sentinelRetryStrategy: retryStrategy,
    });
  }
  const url = config('REDIS_URL');
  if (!url) throw new Error('Set REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS');
  return new Redis(url, {
    enableOfflineQueue: false, // fail at once while disconnected instead of queueing
    maxRetriesPerRequest: 0, // a command in flight when the connection drops fails at once
    commandTimeout: 1000, // a stalled Redis fails the claim before timeoutMs
  });
}
