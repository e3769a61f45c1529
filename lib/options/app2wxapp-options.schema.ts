import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsPositive, IsString, validateSync } from 'class-validator';
import { DEFAULT_HOST, DEFAULT_POOL, DEFAULT_TICKET_TTL_MS } from '../app2wxapp.constants';
import type { App2WxappAppLaunchModuleOptions, App2WxappModuleOptions, App2WxappPoolOptions } from './app2wxapp-options.interface';
import { resolveAppLaunchOptions, type ResolvedAppLaunchOptions } from './app-launch-options.schema';
import { App2WxappOptionsError } from './shared-options.schema';
import {
  IsAuthingHost,
  IsCallable,
  SharedOptionsSchema,
  VALIDATION,
  describeErrors,
  moduleLabel,
  optionsError,
  resolveSharedOptions,
  type ResolvedSharedOptions,
} from './shared-options.schema';

export type { ResolvedAppLaunchOptions } from './app-launch-options.schema';
export type { ResolvedSharedOptions } from './shared-options.schema';
export { App2WxappOptionsError } from './shared-options.schema';

/** A ticket pool's validated options, with defaults filled in. */
export interface ResolvedApp2WxappOptions extends ResolvedSharedOptions {
  readonly flow: 'ticket';
  readonly secret?: string;
  /** Authing's API host, without a trailing slash. */
  readonly host: string;
  readonly allowBlockedUsers: boolean;
  readonly ticketTtlMs: number;
  readonly ticketExtractor?: App2WxappModuleOptions['ticketExtractor'];
  /** `{host}/oauth/app2wxapp/auth/{userPoolId}` */
  readonly exchangeUrl: string;
}

/** Any pool's validated options: `flow` says which. */
export type ResolvedPoolOptions = ResolvedApp2WxappOptions | ResolvedAppLaunchOptions;

class OptionsSchema extends SharedOptionsSchema {
  @IsOptional() @IsIn(['ticket']) flow?: string;
  @IsString() @IsNotEmpty() userPoolId!: string;
  @IsOptional() @IsString() @IsNotEmpty() secret?: string;
  @IsOptional() @IsBoolean() exchangeWithoutSecret?: boolean;
  @IsOptional() @IsAuthingHost() host?: string;
  @IsOptional() @IsBoolean() allowBlockedUsers?: boolean;
  @IsOptional() @IsCallable() ticketExtractor?: unknown;
  @IsOptional() @IsInt() @IsPositive() ticketTtlMs?: number;
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

/**
 * Validates a pool's options at boot and fills in defaults, dispatching on `flow` (`'ticket'` when absent). Throws an
 * Error that names every bad option, never its value.
 */
export function resolveOptions(options: App2WxappModuleOptions<any>, pool?: string, label?: string): ResolvedApp2WxappOptions;
export function resolveOptions(options: App2WxappAppLaunchModuleOptions<any>, pool?: string, label?: string): ResolvedAppLaunchOptions;
export function resolveOptions(options: App2WxappPoolOptions<any>, pool?: string, label?: string): ResolvedPoolOptions;
export function resolveOptions(
  options: App2WxappPoolOptions<any>,
  pool: string = DEFAULT_POOL,
  label: string = moduleLabel(pool),
): ResolvedPoolOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const problem = 'options must be an object with at least { userPoolId }';
    throw new App2WxappOptionsError(`${label}: ${problem}`, ['userPoolId'], [problem]);
  }
  const flow: unknown = options.flow;
  if (flow === 'app-launch') return resolveAppLaunchOptions(options as App2WxappAppLaunchModuleOptions<any>, pool, label);
  if (flow !== undefined && flow !== 'ticket') throw optionsError(label, ["flow must be 'ticket' (the default) or 'app-launch'"], ['flow']);
  return resolveTicketOptions(options as App2WxappModuleOptions<any>, pool, label);
}

function resolveTicketOptions(options: App2WxappModuleOptions<any>, pool: string, label: string): ResolvedApp2WxappOptions {
  const errors = validateSync(Object.assign(new OptionsSchema(), options), VALIDATION);
  const problems = describeErrors(errors);
  const names = errors.map((e) => e.property);
  const secret = secretProblem(options);
  if (secret) {
    problems.unshift(secret);
    names.unshift(/^secret/.test(secret) ? 'secret' : 'exchangeWithoutSecret');
  }
  if (problems.length > 0) throw optionsError(label, problems, names);
  const host = (options.host ?? DEFAULT_HOST).replace(/\/+$/, '');
  return Object.freeze({
    ...resolveSharedOptions(options, pool, host, label),
    flow: 'ticket',
    secret: options.secret,
    host,
    allowBlockedUsers: options.allowBlockedUsers ?? false,
    ticketExtractor: options.ticketExtractor,
    ticketTtlMs: options.ticketTtlMs ?? DEFAULT_TICKET_TTL_MS,
    exchangeUrl: `${host}/oauth/app2wxapp/auth/${encodeURIComponent(options.userPoolId)}`,
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
