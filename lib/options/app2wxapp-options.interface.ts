import type { ExecutionContext } from '@nestjs/common';
import type { App2WxappProfile } from '../profile/app2wxapp-profile.interface';

export type { App2WxappFlow } from '../profile/app2wxapp-profile.interface';
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

/** What every pool accepts, whatever its flow. */
export interface App2WxappSharedOptions<TUser = App2WxappProfile> {
  /** One deadline for a whole login: the replay claim, the wait for a slot and every upstream call. Default 5000 ms. */
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
  /** Where used tickets and codes are remembered. Default: a bounded in-memory store; `false` turns the check off. */
  replayStore?: TicketReplayStore | false;
  /** Circuit breaker on the upstream calls; `false` turns it off. */
  circuitBreaker?: App2WxappCircuitBreakerOptions | false;
  /** Exchanges in flight at once. Default 256. */
  maxConcurrentExchanges?: number;
  /** Exchanges waiting for a slot; more answer 503 at once. Default 1024. */
  maxQueuedExchanges?: number;
  /** An exchange with less time than this left of `timeoutMs` is not sent (503, the credential stays usable). Default 300 ms. */
  minExchangeBudgetMs?: number;
  /** Idle keep-alive connections to Authing are closed after this long. Default 4000 ms. */
  keepAliveIdleMs?: number;
  /** Called after every exchange, for metrics. Must not throw; an error it throws is logged and ignored. */
  onExchange?: (event: App2WxappExchangeEvent) => void;
}

/** How the server authenticates itself to Authing's v3 sign-in (the app's 换取 token 身份验证方式). */
export type App2WxappClientAuth = 'client_secret_post' | 'client_secret_basic' | 'none';

/**
 * How an app-launch login reads the user once Authing signed them in:
 * - `'profile'` (the default): `GET /api/v3/get-profile` with the access token. The only source of the user's
 *   `status` (a Suspended user is refused) and of the WeChat openid/unionid (`identities`); one more round trip.
 * - `'id_token'`: the id_token verified locally with `jose` (signature, `iss`, `aud`, `exp`). Saves the round trip,
 *   but the id_token carries no status and no openid/unionid: the login then relies on Authing's sign-in refusing
 *   locked and disabled users, and the profile's `openid`/`unionid` are undefined.
 * - `'id_token+profile'`: both, and the id_token's `sub` must be the profile's `userId`.
 */
export type App2WxappAppLaunchVerify = 'profile' | 'id_token' | 'id_token+profile';

/** The id_token signing algorithm set on the Authing app (高级配置 → id_token 签名算法). */
export type App2WxappIdTokenAlg = 'RS256' | 'HS256';

/**
 * A pool of the v3 flow: the app launches the customer's mini program, which returns `{"code", "phoneInfoCode"}` in
 * `extMsg`; the server signs the user in with `POST {appHost}/api/v3/signin-by-mobile` (connection
 * `wechat_mini_program_code_and_phone`) and reads them as `verify` says.
 */
export interface App2WxappAppLaunchModuleOptions<TUser = App2WxappProfile> extends App2WxappSharedOptions<TUser> {
  flow: 'app-launch';
  /** The Authing user pool id: the profile's `userPoolId` (apps key users by it), and the `x-authing-userpool-id` header. */
  userPoolId: string;
  /** The Authing app's id: the `x-authing-app-id` header, `client_id`, and the id_token's expected `aud`. */
  appId: string;
  /**
   * The Authing app's secret. Required when `clientAuth` is `client_secret_post` or `client_secret_basic`, and when
   * an HS256 id_token is verified (`verify` includes `id_token` and `idTokenAlg` is `HS256`); left out otherwise. An
   * `undefined` value (an unset environment variable) stops the boot.
   */
  appSecret?: string;
  /** The app's domain, e.g. `https://example.authing.cn` (https, except for a loopback host). */
  appHost: string;
  /** The connection's identifier (唯一标识, `extIdpConnidentifier`): lowercase letters, digits and `-`, under 32 characters. */
  connection: string;
  /** Default `client_secret_post`. */
  clientAuth?: App2WxappClientAuth;
  /** The OIDC scope asked for; must contain `openid`. Default `'openid profile phone'`. */
  scope?: string;
  /** Default `'profile'`; see `App2WxappAppLaunchVerify`. */
  verify?: App2WxappAppLaunchVerify;
  /** The app's id_token algorithm, the only one accepted. Default `RS256` (keys from the app's JWKS). */
  idTokenAlg?: App2WxappIdTokenAlg;
  /** The id_token's expected `iss`. Default `{appHost}/oidc` (a trailing slash is tolerated either way). */
  issuer?: string;
  /** An id_token signed with an unknown key refetches the JWKS at most once per this long. Default 30000 ms. */
  jwksRefreshMs?: number;
  /** How long a used WeChat code is remembered. Default 300000 ms, the lifetime of a `wx.login` code. */
  codeTtlMs?: number;
  /**
   * Replaces the default extraction (HTTP: JSON body `code` and `phoneInfoCode`, else body `extMsg`; GraphQL: the
   * resolver's `code`/`phoneInfoCode` arguments, else `extMsg`). Returns `{ code, phoneInfoCode }` or the raw extMsg.
   */
  codeExtractor?: (request: any, context?: ExecutionContext) => unknown;
}

/** The options of one pool: the ticket flow (`flow` absent or `'ticket'`) or the app-launch flow. */
export type App2WxappPoolOptions<TUser = App2WxappProfile> = App2WxappModuleOptions<TUser> | App2WxappAppLaunchModuleOptions<TUser>;

export interface App2WxappModuleOptions<TUser = App2WxappProfile> extends App2WxappSharedOptions<TUser> {
  /** The ticket flow is the default; `flow: 'app-launch'` is `App2WxappAppLaunchModuleOptions`. */
  flow?: 'ticket';
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
