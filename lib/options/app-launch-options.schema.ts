import { IsIn, IsInt, IsNotEmpty, IsOptional, IsPositive, IsString, Matches, MaxLength, Min, ValidateBy, validateSync } from 'class-validator';
import { DEFAULT_APP_LAUNCH_SCOPE, DEFAULT_CODE_TTL_MS, DEFAULT_JWKS_REFRESH_MS } from '../app2wxapp.constants';
import type {
  App2WxappAppLaunchModuleOptions,
  App2WxappAppLaunchVerify,
  App2WxappClientAuth,
  App2WxappIdTokenAlg,
} from './app2wxapp-options.interface';
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

/** An app-launch pool's validated options, with defaults filled in. */
export interface ResolvedAppLaunchOptions extends ResolvedSharedOptions {
  readonly flow: 'app-launch';
  readonly appId: string;
  readonly appSecret?: string;
  /** The app's domain, without a trailing slash. */
  readonly appHost: string;
  /** The connection's identifier, sent as `extIdpConnidentifier`. */
  readonly connection: string;
  readonly clientAuth: App2WxappClientAuth;
  readonly scope: string;
  readonly verify: App2WxappAppLaunchVerify;
  /** The one algorithm an id_token may be signed with. */
  readonly idTokenAlg: App2WxappIdTokenAlg;
  /** The accepted `iss` values: the issuer with and without a trailing slash. */
  readonly issuers: readonly string[];
  readonly jwksRefreshMs: number;
  readonly codeTtlMs: number;
  readonly codeExtractor?: App2WxappAppLaunchModuleOptions['codeExtractor'];
  /** `{appHost}/api/v3/signin-by-mobile` */
  readonly signinUrl: string;
  /** `{appHost}/api/v3/get-profile?withIdentities=true` */
  readonly profileUrl: string;
  /** `{appHost}/{appId}/oidc/.well-known/jwks.json`, then `{appHost}/oidc/.well-known/jwks.json` on a 404. */
  readonly jwksUrls: readonly [string, string];
}

/** The connection's 唯一标识 as the console accepts it: lowercase letters, digits and `-`, under 32 characters. */
const CONNECTION = /^[a-z0-9-]{1,31}$/;
/** Space-separated OIDC scope values. */
const SCOPE = /^[A-Za-z0-9_:.-]+( [A-Za-z0-9_:.-]+)*$/;
/** Authing's app and pool ids are 24 hex characters; other deployments' ids use this alphabet too. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

const HasOpenid = () =>
  ValidateBy({
    name: 'hasOpenid',
    validator: {
      validate: (v) => typeof v === 'string' && v.split(' ').includes('openid'),
      defaultMessage: () => 'scope must contain openid (the sign-in returns an id_token only then)',
    },
  });

class AppLaunchOptionsSchema extends SharedOptionsSchema {
  @IsIn(['app-launch']) flow!: string;
  @IsString() @Matches(ID, { message: 'userPoolId must be 1 to 64 letters, digits, "_" or "-"' }) userPoolId!: string;
  @IsString() @Matches(ID, { message: 'appId must be 1 to 64 letters, digits, "_" or "-"' }) appId!: string;
  @IsOptional() @IsString() @IsNotEmpty() appSecret?: string;
  @IsAuthingHost() appHost!: string;
  @IsString()
  @Matches(CONNECTION, { message: 'connection must be the connection identifier: 1 to 31 lowercase letters, digits or "-"' })
  connection!: string;
  @IsOptional() @IsIn(['client_secret_post', 'client_secret_basic', 'none']) clientAuth?: string;
  @IsOptional()
  @IsString()
  @MaxLength(512)
  @Matches(SCOPE, { message: 'scope must be scope values separated by single spaces' })
  @HasOpenid()
  scope?: string;
  @IsOptional() @IsIn(['profile', 'id_token', 'id_token+profile']) verify?: string;
  @IsOptional() @IsIn(['RS256', 'HS256']) idTokenAlg?: string;
  @IsOptional() @IsAuthingHost() issuer?: string;
  @IsOptional() @IsInt() @Min(1000) jwksRefreshMs?: number;
  @IsOptional() @IsInt() @IsPositive() codeTtlMs?: number;
  @IsOptional() @IsCallable() codeExtractor?: unknown;
}

/** Validates an app-launch pool's options (`flow: 'app-launch'`) and fills in defaults. Never echoes a value. */
export function resolveAppLaunchOptions(
  options: App2WxappAppLaunchModuleOptions<any>,
  pool: string,
  label: string = moduleLabel(pool),
): ResolvedAppLaunchOptions {
  const module = label;
  const errors = validateSync(Object.assign(new AppLaunchOptionsSchema(), options), VALIDATION);
  const problems = describeErrors(errors);
  const names = errors.map((e) => e.property);
  const secret = appSecretProblem(options);
  if (secret) {
    problems.unshift(secret);
    names.unshift('appSecret');
  }
  if (problems.length > 0) throw optionsError(module, problems, names);

  const appHost = options.appHost.replace(/\/+$/, '');
  const issuer = (options.issuer ?? `${appHost}/oidc`).replace(/\/+$/, '');
  const appId = encodeURIComponent(options.appId);
  return Object.freeze({
    ...resolveSharedOptions(options, pool, appHost, label),
    flow: 'app-launch',
    appId: options.appId,
    appSecret: options.appSecret,
    appHost,
    connection: options.connection,
    clientAuth: options.clientAuth ?? 'client_secret_post',
    scope: options.scope ?? DEFAULT_APP_LAUNCH_SCOPE,
    verify: options.verify ?? 'profile',
    idTokenAlg: options.idTokenAlg ?? 'RS256',
    issuers: Object.freeze([issuer, `${issuer}/`]),
    jwksRefreshMs: options.jwksRefreshMs ?? DEFAULT_JWKS_REFRESH_MS,
    codeTtlMs: options.codeTtlMs ?? DEFAULT_CODE_TTL_MS,
    codeExtractor: options.codeExtractor,
    signinUrl: `${appHost}/api/v3/signin-by-mobile`,
    profileUrl: `${appHost}/api/v3/get-profile?withIdentities=true`,
    jwksUrls: Object.freeze([`${appHost}/${appId}/oidc/.well-known/jwks.json`, `${appHost}/oidc/.well-known/jwks.json`] as const),
  });
}

/**
 * The app secret is required exactly when something uses it: client authentication by `client_secret_post` or
 * `client_secret_basic` (the default), or an HS256 id_token verified locally. Otherwise it must be left out, so that
 * nobody believes a secret protects what it does not. An `undefined` value (an unset environment variable) always
 * stops the boot.
 */
function appSecretProblem(options: App2WxappAppLaunchModuleOptions<any>): string | undefined {
  if ('appSecret' in options && options.appSecret === undefined) {
    return 'appSecret is undefined (is its environment variable unset?)';
  }
  const clientAuth = options.clientAuth ?? 'client_secret_post';
  const verify = options.verify ?? 'profile';
  const hs256 = (options.idTokenAlg ?? 'RS256') === 'HS256' && verify !== 'profile';
  const needed = clientAuth === 'client_secret_post' || clientAuth === 'client_secret_basic' || hs256;
  if (needed && options.appSecret === undefined) {
    const why =
      hs256 && clientAuth === 'none'
        ? 'HS256 id_tokens are verified with it'
        : 'clientAuth is client_secret_post (the default) or client_secret_basic';
    return `appSecret is required (the Authing app's secret): ${why}`;
  }
  if (!needed && options.appSecret !== undefined) {
    return "appSecret must be left out when clientAuth is 'none' and no HS256 id_token is verified (nothing would use it)";
  }
  return undefined;
}
