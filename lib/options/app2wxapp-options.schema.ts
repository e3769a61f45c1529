import {
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Min,
  ValidateBy,
  type ValidationArguments,
  type ValidationError,
  validateSync,
} from 'class-validator';
import {
  DEFAULT_HOST,
  DEFAULT_KEEP_ALIVE_IDLE_MS,
  DEFAULT_MIN_EXCHANGE_BUDGET_MS,
  DEFAULT_POOL,
  DEFAULT_TICKET_TTL_MS,
  DEFAULT_TIMEOUT_MS,
} from '../app2wxapp.constants';
import { MemoryTicketReplayStore } from '../replay/memory-ticket-replay.store';
import type { TicketReplayStore } from '../replay/ticket-replay-store.interface';
import type { App2WxappModuleOptions } from './app2wxapp-options.interface';

export interface ResolvedApp2WxappOptions
  extends Readonly<
    Required<
      Pick<
        App2WxappModuleOptions,
        | 'userPoolId'
        | 'host'
        | 'timeoutMs'
        | 'allowBlockedUsers'
        | 'ticketTtlMs'
        | 'maxConcurrentExchanges'
        | 'maxQueuedExchanges'
        | 'minExchangeBudgetMs'
        | 'keepAliveIdleMs'
      >
    >
  > {
  /** The pool's name (`default` unless `forRoot` was given one). */
  readonly pool: string;
  /**
   * Put before each ticket digest in the replay store: empty for the default pool, `<name>:` for a named one,
   * `@<userPoolId>:` for a tenant (so that renaming a tenant never frees its claims).
   */
  readonly claimPrefix: string;
  /** Set for a tenant of `App2WxappModule.forTenants()`: `pool` is then the tenant's name, unbounded in number. */
  readonly tenant?: boolean;
  readonly secret?: string;
  readonly validateUser?: App2WxappModuleOptions<unknown>['validateUser'];
  readonly ticketExtractor?: App2WxappModuleOptions['ticketExtractor'];
  readonly onExchange?: App2WxappModuleOptions['onExchange'];
  readonly replayStore: TicketReplayStore | false;
  readonly circuitBreaker: { readonly threshold: number; readonly cooldownMs: number } | false;
  /** `{host}/oauth/app2wxapp/auth/{userPoolId}` */
  readonly exchangeUrl: string;
  /** The host name and port of `host`, for telemetry and the health probe. */
  readonly upstreamAddress: string;
  readonly upstreamPort: number;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

const IsCallable = () =>
  ValidateBy({
    name: 'isCallable',
    validator: { validate: (v) => typeof v === 'function', defaultMessage: (a) => `${a?.property} must be a function` },
  });

const IsAuthingHost = () =>
  ValidateBy({
    name: 'isAuthingHost',
    validator: {
      validate: (v) => hostProblem(v) === undefined,
      defaultMessage: (a?: ValidationArguments) => `host ${hostProblem(a?.value)}`,
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
      defaultMessage: () =>
        'circuitBreaker must be false or { threshold?: positive integer, cooldownMs?: positive number }',
    },
  });

function hostProblem(value: unknown): string | undefined {
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

class OptionsSchema {
  @IsString() @IsNotEmpty() userPoolId!: string;
  @IsOptional() @IsString() @IsNotEmpty() secret?: string;
  @IsOptional() @IsBoolean() exchangeWithoutSecret?: boolean;
  @IsOptional() @IsAuthingHost() host?: string;
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() timeoutMs?: number;
  @IsOptional() @IsCallable() validateUser?: unknown;
  @IsOptional() @IsBoolean() allowBlockedUsers?: boolean;
  @IsOptional() @IsCallable() ticketExtractor?: unknown;
  @IsOptional() @IsReplayStoreOrFalse() replayStore?: unknown;
  @IsOptional() @IsInt() @IsPositive() ticketTtlMs?: number;
  @IsOptional() @IsCircuitBreakerOrFalse() circuitBreaker?: unknown;
  @IsOptional() @IsInt() @IsPositive() maxConcurrentExchanges?: number;
  @IsOptional() @IsInt() @Min(0) maxQueuedExchanges?: number;
  @IsOptional() @IsInt() @Min(0) minExchangeBudgetMs?: number;
  @IsOptional() @IsInt() @IsPositive() keepAliveIdleMs?: number;
  @IsOptional() @IsCallable() onExchange?: unknown;
}

/** Pool names end up in injection tokens, Passport strategy names and replay keys. */
const POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Whether `name` may name a pool or a tenant (it ends up in tokens, strategy names, logs and spans). */
export function isPoolName(name: string): boolean {
  return POOL_NAME.test(name);
}

/** Validates a pool name given to `forRoot` / `forRootAsync`; `undefined` is the default pool. */
export function resolvePoolName(name: unknown): string {
  if (name === undefined) return DEFAULT_POOL;
  if (typeof name !== 'string' || !POOL_NAME.test(name)) {
    throw new Error('App2WxappModule: name must be 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit');
  }
  return name;
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

/**
 * Validates the options at boot and fills in defaults. Throws an `App2WxappOptionsError` that names every bad option.
 * `label` names the pool in messages (default `App2WxappModule` or `App2WxappModule "<pool>"`).
 */
export function resolveOptions(options: App2WxappModuleOptions<any>, pool: string = DEFAULT_POOL, label?: string): ResolvedApp2WxappOptions {
  const module = label ?? (pool === DEFAULT_POOL ? 'App2WxappModule' : `App2WxappModule "${pool}"`);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const problem = 'options must be an object with at least { userPoolId }';
    throw new App2WxappOptionsError(`${module}: ${problem}`, ['userPoolId'], [problem]);
  }
  const errors = validateSync(Object.assign(new OptionsSchema(), options), {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  const problems = errors.flatMap(describe);
  const names = errors.map((e) => e.property);
  const secret = secretProblem(options);
  if (secret) {
    problems.unshift(secret);
    names.unshift(/^secret/.test(secret) ? 'secret' : 'exchangeWithoutSecret');
  }
  if (problems.length > 0) {
    throw new App2WxappOptionsError(`${module}: invalid options: ${problems.join('; ')}`, [...new Set(names)], problems);
  }
  const host = (options.host ?? DEFAULT_HOST).replace(/\/+$/, '');
  const url = new URL(host);
  const breaker = options.circuitBreaker;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const minExchangeBudgetMs = options.minExchangeBudgetMs ?? Math.min(DEFAULT_MIN_EXCHANGE_BUDGET_MS, Math.floor(timeoutMs / 4));
  if (minExchangeBudgetMs >= timeoutMs) {
    const problem = `minExchangeBudgetMs (${minExchangeBudgetMs}) must be below timeoutMs (${timeoutMs})`;
    throw new App2WxappOptionsError(`${module}: invalid options: ${problem}`, ['minExchangeBudgetMs'], [problem]);
  }
  return Object.freeze({
    pool,
    claimPrefix: pool === DEFAULT_POOL ? '' : `${pool}:`,
    userPoolId: options.userPoolId,
    secret: options.secret,
    host,
    timeoutMs,
    validateUser: options.validateUser,
    allowBlockedUsers: options.allowBlockedUsers ?? false,
    ticketExtractor: options.ticketExtractor,
    replayStore: options.replayStore === undefined ? new MemoryTicketReplayStore() : options.replayStore,
    ticketTtlMs: options.ticketTtlMs ?? DEFAULT_TICKET_TTL_MS,
    circuitBreaker:
      breaker === false ? false : Object.freeze({ threshold: breaker?.threshold ?? 5, cooldownMs: breaker?.cooldownMs ?? 10_000 }),
    maxConcurrentExchanges: options.maxConcurrentExchanges ?? 256,
    maxQueuedExchanges: options.maxQueuedExchanges ?? 1024,
    minExchangeBudgetMs,
    keepAliveIdleMs: options.keepAliveIdleMs ?? DEFAULT_KEEP_ALIVE_IDLE_MS,
    onExchange: options.onExchange,
    exchangeUrl: `${host}/oauth/app2wxapp/auth/${encodeURIComponent(options.userPoolId)}`,
    upstreamAddress: url.hostname.replace(/^\[|\]$/g, ''),
    upstreamPort: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
  });
}

/**
 * The secret must be there, unless the pool says explicitly that Authing exchanges its tickets without one (the pool
 * setting `ticketExchangeUserInfoNeedSecret: false`): an unset environment variable must stop the boot, not reach
 * Authing as a missing secret on every login.
 */
function secretProblem(options: App2WxappModuleOptions<any>): string | undefined {
  const withoutSecret = options.exchangeWithoutSecret === true;
  if ('secret' in options && options.secret === undefined) {
    return 'secret is undefined (is its environment variable unset?); a pool that Authing lets exchange tickets without a secret sets exchangeWithoutSecret: true and no secret';
  }
  if (withoutSecret && options.secret !== undefined) return 'secret must be left out when exchangeWithoutSecret is true';
  if (!withoutSecret && options.secret === undefined) {
    return 'secret is required (the user pool secret); a pool that Authing lets exchange tickets without a secret sets exchangeWithoutSecret: true';
  }
  return undefined;
}

function describe(error: ValidationError): string[] {
  if (error.constraints?.whitelistValidation) return [`unknown option "${error.property}"`];
  // class-validator's messages start with the property name; never echo a secret's value.
  return Object.values(error.constraints ?? {});
}
