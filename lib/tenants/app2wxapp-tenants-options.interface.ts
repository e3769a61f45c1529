import type { App2WxappPoolOptions } from '../options/app2wxapp-options.interface';
import type { TicketReplayStore } from '../replay/ticket-replay-store.interface';

/** What the tenant source answers for a name: the tenant's pool options, or `undefined` / `null` for "no such tenant". */
export type App2WxappTenantAnswer = App2WxappPoolOptions<any> | undefined | null;

/** The options of `App2WxappModule.forTenants()` (docs/tenants.md). */
export interface App2WxappTenantsOptions {
  /**
   * The tenant source: the pool options of the tenant `name`, of either flow (the same options `forRoot` takes, validated as
   * strictly), or `undefined` / `null` when there is no such tenant. Typically a database query. Called once per
   * tenant on its first login (concurrent first logins share the call), again every `refreshMs`, and when Authing
   * says the tenant's secret is wrong. A throw or an answer later than `sourceTimeoutMs` is "the source is down".
   */
  resolveTenant: (name: string) => App2WxappTenantAnswer | Promise<App2WxappTenantAnswer>;
  /** How long a loaded tenant's options are used before the source is asked again (in the background). Default 60000 ms. */
  refreshMs?: number;
  /** How long the answer "no such tenant" is remembered for a name. Default 10000 ms. */
  unknownTenantTtlMs?: number;
  /** Names remembered as unknown at once; the oldest is forgotten first. Default 10000. */
  maxUnknownTenants?: number;
  /** Tenants kept loaded at once; the least recently used is evicted (its pipeline closed). Default 10000. */
  maxTenants?: number;
  /** A tenant's pipeline (client, keep-alive connections, circuit breaker) is closed after this long without a login. Default 600000 ms. */
  idleCloseMs?: number;
  /** How long one call of `resolveTenant` may take; a slower one is "the source is down" (503). Default 2000 ms. */
  sourceTimeoutMs?: number;
  /** After Authing refuses a tenant's secret (code 2003), the source is asked again at most once per this interval. Default 5000 ms. */
  secretReloadMs?: number;
  /**
   * The replay store that every tenant shares, keyed by the tenant's user pool id. Default: one bounded in-memory
   * store for all tenants. A `RedisTicketReplayStore` serves all tenants with its one prefix. A tenant whose own
   * options set `replayStore` uses that instead.
   */
  replayStore?: TicketReplayStore | false;
}
