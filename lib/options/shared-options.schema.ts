import { IsInt, IsNumber, IsOptional, IsPositive, Min, ValidateBy, type ValidationArguments, type ValidationError } from 'class-validator';
import { DEFAULT_KEEP_ALIVE_IDLE_MS, DEFAULT_MIN_EXCHANGE_BUDGET_MS, DEFAULT_POOL, DEFAULT_TIMEOUT_MS } from '../app2wxapp.constants';
import { MemoryTicketReplayStore } from '../replay/memory-ticket-replay.store';
import type { TicketReplayStore } from '../replay/ticket-replay-store.interface';
import type { App2WxappSharedOptions } from './app2wxapp-options.interface';

/** What every pool's resolved options hold, whatever its flow: what the policies, telemetry and the replay claim read. */
export interface ResolvedSharedOptions {
  /** The pool's name (`default` unless `forRoot` was given one). */
  readonly pool: string;
  /**
   * Put before each ticket or code digest in the replay store: empty for the default pool, `<name>:` for a named one,
   * `@<userPoolId>:` for a tenant (so that renaming a tenant never frees its claims).
   */
  readonly claimPrefix: string;
  /** Set for a tenant of `App2WxappModule.forTenants()`: `pool` is then the tenant's name, unbounded in number. */
  readonly tenant?: boolean;
  readonly userPoolId: string;
  readonly timeoutMs: number;
  readonly validateUser?: App2WxappSharedOptions<unknown>['validateUser'];
  readonly onExchange?: App2WxappSharedOptions['onExchange'];
  readonly replayStore: TicketReplayStore | false;
  readonly circuitBreaker: { readonly threshold: number; readonly cooldownMs: number } | false;
  readonly maxConcurrentExchanges: number;
  readonly maxQueuedExchanges: number;
  readonly minExchangeBudgetMs: number;
  readonly keepAliveIdleMs: number;
  /** The upstream's host name and port, for telemetry and the health probe. */
  readonly upstreamAddress: string;
  readonly upstreamPort: number;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

export const IsCallable = () =>
  ValidateBy({
    name: 'isCallable',
    validator: { validate: (v) => typeof v === 'function', defaultMessage: (a) => `${a?.property} must be a function` },
  });

/** An Authing host option (`host`, `appHost`, `issuer`): named in the message, its value never echoed. */
export const IsAuthingHost = () =>
  ValidateBy({
    name: 'isAuthingHost',
    validator: {
      validate: (v) => hostProblem(v) === undefined,
      defaultMessage: (a?: ValidationArguments) => `${a?.property ?? 'host'} ${hostProblem(a?.value)}`,
    },
  });

const IsReplayStoreOrFalse = () =>
  ValidateBy({
    name: 'isReplayStore',
    validator: {
      validate: (v: any) => v === false || (typeof v?.claim === 'function' && typeof v?.release === 'function'),
      defaultMessage: () => 'replayStore must be false or an object with claim(key, ttlMs) and release(key) methods',
    },
  });

const IsCircuitBreakerOrFalse = () =>
  ValidateBy({
    name: 'isCircuitBreaker',
    validator: {
      validate: (v: any) =>
        v === false ||
        (typeof v === 'object' &&
          v !== null &&
          Object.keys(v).every((k) => k === 'threshold' || k === 'cooldownMs') &&
          (v.threshold === undefined || (Number.isInteger(v.threshold) && v.threshold > 0)) &&
          (v.cooldownMs === undefined || (Number.isFinite(v.cooldownMs) && v.cooldownMs > 0))),
      defaultMessage: () => 'circuitBreaker must be false or { threshold?: positive integer, cooldownMs?: positive number }',
    },
  });

export function hostProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a URL string such as https://core.authing.cn';
  // Never echoed: a host may carry credentials. A bare `?` or `#` leaves URL's search and hash empty, yet would
  // post the secret to another path once the exchange path is appended.
  if (/[?#]/.test(value)) return 'must not carry a query or a fragment';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as https://core.authing.cn';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must use https: (got ${url.protocol})`;
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    return 'must use https:; plain http: is accepted only for a loopback host (localhost, 127.0.0.1, [::1])';
  }
  if (url.username || url.password || url.search || url.hash) {
    return 'must not carry credentials, a query or a fragment';
  }
  return undefined;
}

/** The options every flow shares; each flow's schema extends it (class-validator inherits the decorators). */
export class SharedOptionsSchema {
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() timeoutMs?: number;
  @IsOptional() @IsCallable() validateUser?: unknown;
  @IsOptional() @IsReplayStoreOrFalse() replayStore?: unknown;
  @IsOptional() @IsCircuitBreakerOrFalse() circuitBreaker?: unknown;
  @IsOptional() @IsInt() @IsPositive() maxConcurrentExchanges?: number;
  @IsOptional() @IsInt() @Min(0) maxQueuedExchanges?: number;
  @IsOptional() @IsInt() @Min(0) minExchangeBudgetMs?: number;
  @IsOptional() @IsInt() @IsPositive() keepAliveIdleMs?: number;
  @IsOptional() @IsCallable() onExchange?: unknown;
}

export const VALIDATION = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;

/** How a pool's module is named in boot errors. */
export function moduleLabel(pool: string): string {
  return pool === DEFAULT_POOL ? 'App2WxappModule' : `App2WxappModule "${pool}"`;
}

/** Options that `resolveOptions` refused: the message names each bad option (never its value); `options` lists them. */
export class App2WxappOptionsError extends Error {
  constructor(
    message: string,
    /** The names of the bad options, e.g. `['secret', 'host']`. */
    readonly options: readonly string[],
    /** One sentence per problem, without the module's name in front. */
    readonly problems: readonly string[],
  ) {
    super(message);
    this.name = 'App2WxappOptionsError';
  }
}

/** The error for `problems` found in the options of `label` (a module or a tenant); `names` are the options at fault. */
export function optionsError(label: string, problems: readonly string[], names: readonly string[]): App2WxappOptionsError {
  return new App2WxappOptionsError(`${label}: invalid options: ${problems.join('; ')}`, [...new Set(names)], problems);
}

/**
 * The shared options with their defaults, after validation. `host` is the upstream the pool calls (for telemetry).
 * Throws when `minExchangeBudgetMs` leaves no time for the exchange.
 */
export function resolveSharedOptions(
  options: App2WxappSharedOptions<any> & { userPoolId: string },
  pool: string,
  host: string,
  label: string = moduleLabel(pool),
): ResolvedSharedOptions {
  const url = new URL(host);
  const breaker = options.circuitBreaker;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const minExchangeBudgetMs = options.minExchangeBudgetMs ?? Math.min(DEFAULT_MIN_EXCHANGE_BUDGET_MS, Math.floor(timeoutMs / 4));
  if (minExchangeBudgetMs >= timeoutMs) {
    throw optionsError(label, [`minExchangeBudgetMs (${minExchangeBudgetMs}) must be below timeoutMs (${timeoutMs})`], ['minExchangeBudgetMs']);
  }
  return {
    pool,
    claimPrefix: pool === DEFAULT_POOL ? '' : `${pool}:`,
    userPoolId: options.userPoolId,
    timeoutMs,
    validateUser: options.validateUser,
    replayStore: options.replayStore === undefined ? new MemoryTicketReplayStore() : options.replayStore,
    circuitBreaker: breaker === false ? false : Object.freeze({ threshold: breaker?.threshold ?? 5, cooldownMs: breaker?.cooldownMs ?? 10_000 }),
    maxConcurrentExchanges: options.maxConcurrentExchanges ?? 256,
    maxQueuedExchanges: options.maxQueuedExchanges ?? 1024,
    minExchangeBudgetMs,
    keepAliveIdleMs: options.keepAliveIdleMs ?? DEFAULT_KEEP_ALIVE_IDLE_MS,
    onExchange: options.onExchange,
    upstreamAddress: url.hostname.replace(/^\[|\]$/g, ''),
    upstreamPort: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
  };
}

/** class-validator's errors as messages that name the option, never its value. */
export function describeErrors(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => {
    if (error.constraints?.whitelistValidation) return [`unknown option "${error.property}"`];
    // class-validator's messages start with the property name; never echo a secret's value.
    return Object.values(error.constraints ?? {});
  });
}
