import type { TicketReplayStore } from './ticket-replay-store.interface';

/**
 * The part of an `ioredis` client (`new Redis(...)`, or a `Cluster`) that the store uses. Declared here rather than
 * imported from ioredis so that apps without ioredis still compile against this package's typings.
 */
export interface RedisTicketReplayClient {
  readonly status: string;
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<'OK' | null>;
  del(key: string): Promise<number>;
  connect(): Promise<void>;
}

export interface RedisTicketReplayStoreOptions {
  /** Prepended to the SHA-256 of each ticket. Default `app2wxapp:ticket:`. */
  keyPrefix?: string;
}

/** Why a claim was refused without asking Redis; the strategy answers it as 503. */
export class RedisReplayStoreUnavailableError extends Error {
  readonly code: string;

  constructor(status: string) {
    super(`Redis is not ready (client status "${status}"); the claim is refused rather than queued`);
    this.name = 'RedisReplayStoreUnavailableError';
    this.code = `REDIS_${status.toUpperCase()}`;
  }
}

/**
 * The replay store for several instances: a claim is one atomic `SET <prefix><sha256> 1 PX <ttl> NX` on the app's
 * ioredis client, so exactly one instance wins a ticket. Only the digest is stored, never the ticket.
 *
 * Fails closed and fast: while the client is not connected, claims are refused at once instead of waiting in
 * ioredis's offline queue, so logins answer 503 rather than hang until Redis returns.
 */
export class RedisTicketReplayStore implements TicketReplayStore {
  private readonly keyPrefix: string;
  private connecting?: Promise<void>;

  constructor(
    private readonly redis: RedisTicketReplayClient,
    options: RedisTicketReplayStoreOptions = {},
  ) {
    if (typeof redis?.set !== 'function' || typeof redis?.del !== 'function') {
      throw new TypeError('RedisTicketReplayStore: pass an ioredis client (new Redis(url))');
    }
    const prefix = options.keyPrefix ?? 'app2wxapp:ticket:';
    if (typeof prefix !== 'string') throw new TypeError('RedisTicketReplayStore: keyPrefix must be a string');
    this.keyPrefix = prefix;
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    await this.ready();
    const answer = await this.redis.set(this.keyPrefix + key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    return answer === 'OK';
  }

  async release(key: string): Promise<void> {
    await this.ready();
    await this.redis.del(this.keyPrefix + key);
  }

  private async ready(): Promise<void> {
    const { status } = this.redis;
    if (status === 'ready') return;
    // A `lazyConnect` client that nobody has connected yet: connect it once, shared by concurrent claims.
    if (status === 'wait') {
      this.connecting ??= this.redis.connect().finally(() => (this.connecting = undefined));
      return this.connecting;
    }
    if (this.connecting) return this.connecting;
    throw new RedisReplayStoreUnavailableError(status);
  }
}
