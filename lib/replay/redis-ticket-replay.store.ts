import { App2WxappReplayStoreError } from '../failure/app2wxapp-login.error';
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
  /** `WAIT numreplicas timeout`; needed only with `waitForReplicas`. */
  wait?(numreplicas: number, timeout: number): Promise<number>;
  /** `true` on an ioredis `Cluster`. */
  readonly isCluster?: boolean;
}

export interface RedisTicketReplayStoreOptions {
  /** Prepended to the SHA-256 of each ticket. Default `app2wxapp:ticket:`. */
  keyPrefix?: string;
  /**
   * After a successful claim, `WAIT` until this many replicas hold it. A claim that fewer replicas acknowledge within
   * `waitTimeoutMs` is released and the login answers 503 with `Retry-After`: a primary that dies before replicating
   * a claim loses it, and a replay would then pass. Default 0 (no `WAIT`). Not for a `Cluster` client (there `WAIT`
   * goes to a random node, not to the primary that holds the key). See docs/redis.md.
   */
  waitForReplicas?: number;
  /** How long `WAIT` may take, in ms; keep it well below `timeoutMs` and the client's `commandTimeout`. Default 50. */
  waitTimeoutMs?: number;
}

/** The 503 of a claim that fewer replicas than `waitForReplicas` acknowledged in time. */
const UNCONFIRMED = 'Login is unavailable: the ticket replay store could not confirm the claim on a replica';

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
  private readonly waitForReplicas: number;
  private readonly waitTimeoutMs: number;
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
    this.waitForReplicas = integerOption('waitForReplicas', options.waitForReplicas, 0, 0);
    this.waitTimeoutMs = integerOption('waitTimeoutMs', options.waitTimeoutMs, 50, 1);
    if (this.waitForReplicas > 0 && typeof redis.wait !== 'function') {
      throw new TypeError('RedisTicketReplayStore: waitForReplicas needs a client with wait() (an ioredis Redis)');
    }
    if (this.waitForReplicas > 0 && redis.isCluster === true) {
      throw new TypeError(
        'RedisTicketReplayStore: waitForReplicas is not supported on a Cluster client (WAIT would go to a random node, not to the primary that holds the claim)',
      );
    }
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    await this.ready();
    const answer = await this.redis.set(this.keyPrefix + key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    if (answer !== 'OK') return false;
    if (this.waitForReplicas > 0) await this.confirm(key);
    return true;
  }

  /**
   * Waits until `waitForReplicas` replicas hold the claim. Short of that, the claim could vanish in a failover and a
   * replay of the ticket would then pass, so the login is refused (503). The claim is released first: nobody has
   * logged in with the ticket, so freeing it is safe, and the app may present the ticket again once replicas answer.
   */
  private async confirm(key: string): Promise<void> {
    let acknowledged: number;
    try {
      acknowledged = await this.redis.wait!(this.waitForReplicas, this.waitTimeoutMs);
    } catch (err) {
      await this.redis.del(this.keyPrefix + key).catch(() => undefined);
      throw err;
    }
    if (acknowledged >= this.waitForReplicas) return;
    await this.redis.del(this.keyPrefix + key).catch(() => undefined);
    throw new App2WxappReplayStoreError(UNCONFIRMED, 1);
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

function integerOption(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`RedisTicketReplayStore: ${name} must be an integer of at least ${min}`);
  }
  return value;
}
