import type { ExecutionContext } from '@nestjs/common';
import type { App2WxappProfile } from '../profile/app2wxapp-profile.interface';
import type { App2WxappFailureKind } from '../failure/app2wxapp-login.error';
import type { TicketReplayStore } from '../replay/ticket-replay-store.interface';

/** What the app's `validateUser` hook may answer; a falsy answer means 401. */
export type App2WxappValidateResult<TUser> = TUser | null | undefined | false;

/** What `validateUser` learns besides the profile. */
export interface App2WxappLoginInfo {
  /** The pool's name: `'default'`, or the `name` given to `forRoot` / `forRootAsync`. */
  pool: string;
}

/** One upstream exchange, reported to `onExchange` for the app's metrics. Carries no secret and no ticket. */
export interface App2WxappExchangeEvent {
  /** `success`, or how it failed: `rejected`, `misconfigured`, `upstream-error`, `timeout`, `circuit-open`, `overloaded`. */
  outcome: 'success' | App2WxappFailureKind;
  /** The HTTP status the guard answers for this exchange (200 on success). */
  status: number;
  durationMs: number;
}

export interface App2WxappCircuitBreakerOptions {
  /** Consecutive upstream failures (the 502/503/504 kind) that open the circuit. Default 5. */
  threshold?: number;
  /** How long the circuit stays open before one probe may pass. Default 10000 ms. */
  cooldownMs?: number;
}

export interface App2WxappModuleOptions<TUser = App2WxappProfile> {
  /** The Authing user pool id. */
  userPoolId: string;
  /**
   * The user pool secret. Required, unless `exchangeWithoutSecret` is true. An `undefined` value (an unset
   * environment variable) stops the boot.
   */
  secret?: string;
  /**
   * The pool exchanges tickets without its secret (Authing's pool setting `ticketExchangeUserInfoNeedSecret: false`).
   * Say so explicitly: then `secret` must be left out. Default false.
   */
  exchangeWithoutSecret?: boolean;
  /** Authing's API host. Default `https://core.authing.cn`; `https://core.genauth.ai` or a private host. */
  host?: string;
  /** One deadline for a whole login: the replay claim, the wait for a slot and the exchange. Default 5000 ms. */
  timeoutMs?: number;
  /**
   * The persistence hook: typically "find or create the app's user by `profile.id`". Its answer becomes
   * `request.user`; `null`, `undefined` or `false` answers 401. An HttpException it throws is answered as is.
   */
  validateUser?: (
    profile: App2WxappProfile,
    request: any,
    info: App2WxappLoginInfo,
  ) => App2WxappValidateResult<TUser> | Promise<App2WxappValidateResult<TUser>>;
  /** Let users that Authing marks `blocked` in. Default false (403). Deleted users never get in. */
  allowBlockedUsers?: boolean;
  /**
   * Replaces the default extraction (HTTP: JSON body `ticket`, header `x-app2wxapp-ticket`, body `extMsg`;
   * GraphQL: the resolver's `ticket` argument, then `extMsg`, then the header).
   */
  ticketExtractor?: (request: any, context?: ExecutionContext) => unknown;
  /** Where used tickets are remembered. Default: a bounded in-memory store; `false` turns the check off. */
  replayStore?: TicketReplayStore | false;
  /** How long a used ticket is remembered. Default 120000 ms, Authing's ticket lifetime. */
  ticketTtlMs?: number;
  /** Circuit breaker on the upstream exchange; `false` turns it off. */
  circuitBreaker?: App2WxappCircuitBreakerOptions | false;
  /** Exchanges in flight at once. Default 256. */
  maxConcurrentExchanges?: number;
  /** Exchanges waiting for a slot; more answer 503 at once. Default 1024. */
  maxQueuedExchanges?: number;
  /** An exchange with less time than this left of `timeoutMs` is not sent (503, the ticket stays usable). Default 300 ms. */
  minExchangeBudgetMs?: number;
  /** Idle keep-alive connections to Authing are closed after this long. Default 4000 ms. */
  keepAliveIdleMs?: number;
  /** Called after every exchange, for metrics. Must not throw; an error it throws is logged and ignored. */
  onExchange?: (event: App2WxappExchangeEvent) => void;
}
