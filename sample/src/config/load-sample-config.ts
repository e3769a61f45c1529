import { resolve } from 'node:path';
import {
  CLIENT_AUTH_METHODS,
  LOGIN_FLOWS,
  type LoginFlow,
  MINI_PROGRAM_TYPES,
  type MiniProgramType,
  type SampleConfig,
  type UpstreamConfig,
} from './sample-config.interface';
import { locateSampleDir } from './sample-paths';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Publicly known, so tokens signed with it can be forged by anyone: acceptable for a local demo only. Refused when
 * NODE_ENV=production, and announced with a warning at boot otherwise.
 */
export const DEV_DEFAULT_JWT_SECRET = 'nestjs-app2wxapp-sample-DEV-ONLY-key-never-use-in-production';

const DEFAULT_AUTHING_HOST = 'https://core.authing.cn';
const MIN_JWT_SECRET_LENGTH = 32;

export class SampleConfigError extends Error {
  override name = 'SampleConfigError';
}

/** Variables of the ticket flow's Authing mode. */
const TICKET_VARIABLES = ['AUTHING_USER_POOL_SECRET', 'AUTHING_HOST', 'AUTHING_EXCHANGE_WITHOUT_SECRET'] as const;
/** Variables of the app-launch flow's Authing mode, besides AUTHING_USER_POOL_ID. */
const APP_LAUNCH_VARIABLES = ['AUTHING_APP_ID', 'AUTHING_APP_SECRET', 'AUTHING_APP_HOST', 'AUTHING_CONNECTION', 'AUTHING_CLIENT_AUTH'] as const;

/** Authing's pool and app ids are 24 hex characters; private deployments use this alphabet too. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The connection's 唯一标识 as Authing's console accepts it. */
const CONNECTION = /^[a-z0-9-]{1,31}$/;
/** A mini program's original id, `gh_` and a dozen hex digits in practice. */
const ORIGINAL_ID = /^gh_[A-Za-z0-9]{1,32}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Reads and validates the sample's settings from environment variables; every mistake fails the boot, naming the
 * variable. Values are never repeated in a message: a mistyped variable may hold a secret pasted in the wrong place.
 */
export function loadSampleConfig(env: Env, cwd: string = process.cwd()): SampleConfig {
  const sampleDir = env.SAMPLE_DIR ? resolve(cwd, env.SAMPLE_DIR) : locateSampleDir(cwd);
  const flow = loginFlow(env);
  const upstream = upstreamConfig(env, flow);
  const databaseUrl = value(env.DATABASE_URL);
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    // The emulator mode mints logins for anyone who asks (POST /dev/emulator/tickets): keep it off the network.
    listenHost: value(env.HOST) ?? (upstream.mode === 'emulator' ? '127.0.0.1' : undefined),
    trustProxy: trustProxy(env.TRUST_PROXY),
    database: databaseUrl
      ? { kind: 'postgres', url: databaseUrl }
      : { kind: 'pglite', dataDir: resolve(cwd, value(env.DATA_DIR) ?? resolve(sampleDir, '.data')) },
    upstream,
    session: sessionConfig(env),
    launch: launchConfig(env, flow),
    loginRateLimitPerMinute: integer(env, 'LOGIN_RATE_LIMIT_PER_MINUTE', 20, 1, 1_000_000),
    publicDir: resolve(sampleDir, 'public'),
  };
}

function loginFlow(env: Env): LoginFlow {
  const flow = value(env.AUTHING_FLOW)?.toLowerCase() ?? 'ticket';
  if ((LOGIN_FLOWS as readonly string[]).includes(flow)) return flow as LoginFlow;
  throw new SampleConfigError(
    `AUTHING_FLOW must be ticket (Authing's mini program returns a ticket) or app-launch (your own mini program ` + 'returns WeChat codes).',
  );
}

function upstreamConfig(env: Env, flow: LoginFlow): UpstreamConfig {
  // A variable of the other flow is a mistake (most likely a forgotten AUTHING_FLOW), not something to ignore.
  const [foreign, own] = flow === 'ticket' ? [APP_LAUNCH_VARIABLES, 'ticket'] : [TICKET_VARIABLES, 'app-launch'];
  const stray = foreign.filter((name) => value(env[name]) !== undefined);
  if (stray.length > 0) {
    throw new SampleConfigError(
      `${stray.join(', ')} ${stray.length > 1 ? 'belong' : 'belongs'} to the other flow, but AUTHING_FLOW is ${own}` +
        `${value(env.AUTHING_FLOW) ? '' : ' (the default)'}: unset ${stray.length > 1 ? 'them' : 'it'}, or set AUTHING_FLOW.`,
    );
  }
  return flow === 'ticket' ? ticketUpstream(env) : appLaunchUpstream(env);
}

function ticketUpstream(env: Env): UpstreamConfig {
  const userPoolId = value(env.AUTHING_USER_POOL_ID);
  const secret = value(env.AUTHING_USER_POOL_SECRET);
  const host = value(env.AUTHING_HOST);
  const withoutSecret = boolean(env, 'AUTHING_EXCHANGE_WITHOUT_SECRET', false);
  if (userPoolId) {
    if (withoutSecret && secret) {
      throw new SampleConfigError('AUTHING_USER_POOL_SECRET must be unset when AUTHING_EXCHANGE_WITHOUT_SECRET is true.');
    }
    if (!withoutSecret && !secret) {
      throw new SampleConfigError(
        'AUTHING_USER_POOL_SECRET is required with AUTHING_USER_POOL_ID (the user pool secret). Only if your pool ' +
          'exchanges tickets without it (ticketExchangeUserInfoNeedSecret: false), set AUTHING_EXCHANGE_WITHOUT_SECRET=true instead.',
      );
    }
    return { mode: 'authing', flow: 'ticket', userPoolId, secret, host: host ?? DEFAULT_AUTHING_HOST };
  }
  // Half a configuration must not quietly fall back to the emulator: that would fake production.
  const set = TICKET_VARIABLES.filter((name) => value(env[name]) !== undefined);
  if (set.length > 0) {
    throw new SampleConfigError(
      `${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set but AUTHING_USER_POOL_ID is not: set all of them to use ` +
        'Authing, or none of them to run on the emulator.',
    );
  }
  return { mode: 'emulator', flow: 'ticket' };
}

function appLaunchUpstream(env: Env): UpstreamConfig {
  const set = ['AUTHING_USER_POOL_ID', ...APP_LAUNCH_VARIABLES].filter((name) => value(env[name]) !== undefined);
  if (set.length === 0) return { mode: 'emulator', flow: 'app-launch' };

  const clientAuth = oneOf(env, 'AUTHING_CLIENT_AUTH', CLIENT_AUTH_METHODS, 'client_secret_post');
  const appSecret = value(env.AUTHING_APP_SECRET);
  // Half a configuration must not quietly fall back to the emulator, nor reach Authing with a part missing.
  const required = ['AUTHING_USER_POOL_ID', 'AUTHING_APP_ID', 'AUTHING_APP_HOST', 'AUTHING_CONNECTION'];
  if (clientAuth !== 'none') required.push('AUTHING_APP_SECRET');
  const missing = required.filter((name) => value(env[name]) === undefined);
  if (missing.length > 0) {
    throw new SampleConfigError(
      `AUTHING_FLOW=app-launch with Authing needs ${missing.join(', ')} as well (${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} ` +
        'set): set all of them to use Authing, or none of them to run on the emulator.' +
        (missing.includes('AUTHING_APP_SECRET') ? ' AUTHING_APP_SECRET may stay unset only with AUTHING_CLIENT_AUTH=none.' : ''),
    );
  }
  if (clientAuth === 'none' && appSecret) {
    throw new SampleConfigError('AUTHING_APP_SECRET must be unset when AUTHING_CLIENT_AUTH is none (nothing would use it).');
  }
  return {
    mode: 'authing',
    flow: 'app-launch',
    userPoolId: matching(env, 'AUTHING_USER_POOL_ID', ID, 'the user pool id: 1 to 64 letters, digits, "_" or "-"'),
    appId: matching(env, 'AUTHING_APP_ID', ID, 'the Authing app\'s id: 1 to 64 letters, digits, "_" or "-"'),
    appSecret,
    appHost: appHost(env),
    connection: matching(env, 'AUTHING_CONNECTION', CONNECTION, 'the connection\'s identifier (唯一标识): 1 to 31 lowercase letters, digits or "-"'),
    clientAuth,
  };
}

/** The Authing app's domain: https, or http on a loopback host (an emulator on this machine). */
function appHost(env: Env): string {
  const raw = value(env.AUTHING_APP_HOST)!;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  const ok =
    url !== undefined &&
    (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) &&
    !url.username &&
    !url.password &&
    !url.search &&
    !url.hash;
  if (!ok) {
    throw new SampleConfigError(
      "AUTHING_APP_HOST must be your Authing app's domain as an https URL, e.g. https://example.authing.cn " +
        '(http only on a loopback host; no credentials, query or fragment).',
    );
  }
  return raw.replace(/\/+$/, '');
}

function launchConfig(env: Env, flow: LoginFlow): SampleConfig['launch'] {
  const miniProgramTypeSetting = miniProgramType(env.MINI_PROGRAM_TYPE);
  if (flow === 'ticket') {
    if (value(env.MINI_PROGRAM_ORIGINAL_ID) !== undefined) {
      throw new SampleConfigError(
        "MINI_PROGRAM_ORIGINAL_ID belongs to AUTHING_FLOW=app-launch: the ticket flow always launches Authing's mini program.",
      );
    }
    return { getPhone: boolean(env, 'MINI_PROGRAM_GET_PHONE', true), miniProgramType: miniProgramTypeSetting };
  }
  if (value(env.MINI_PROGRAM_GET_PHONE) !== undefined) {
    throw new SampleConfigError(
      'MINI_PROGRAM_GET_PHONE belongs to the ticket flow: with AUTHING_FLOW=app-launch your own mini program always ' +
        'asks for the phone (getPhoneNumber), since Authing signs in with both codes.',
    );
  }
  const originalId = value(env.MINI_PROGRAM_ORIGINAL_ID);
  if (originalId !== undefined && !ORIGINAL_ID.test(originalId)) {
    throw new SampleConfigError("MINI_PROGRAM_ORIGINAL_ID must be your mini program's original id: gh_ and letters or digits.");
  }
  return { getPhone: true, miniProgramType: miniProgramTypeSetting, originalId };
}

function sessionConfig(env: Env): SampleConfig['session'] {
  const jwtSecret = value(env.JWT_SECRET);
  if (!jwtSecret) {
    if (env.NODE_ENV === 'production') {
      throw new SampleConfigError('JWT_SECRET is required when NODE_ENV=production (at least 32 characters).');
    }
    return { jwtSecret: DEV_DEFAULT_JWT_SECRET, jwtSecretIsDevDefault: true, ttlSeconds: 3600 };
  }
  if (jwtSecret.length < MIN_JWT_SECRET_LENGTH) {
    throw new SampleConfigError(`JWT_SECRET must be at least ${MIN_JWT_SECRET_LENGTH} characters long.`);
  }
  return { jwtSecret, jwtSecretIsDevDefault: false, ttlSeconds: 3600 };
}

/** The names of `wx.navigateToMiniProgram`'s `envVersion`, which people often use for the same thing. */
const MINI_PROGRAM_TYPE_ALIASES: Readonly<Record<string, MiniProgramType>> = { develop: 'test', trial: 'preview' };

function miniProgramType(raw: string | undefined): MiniProgramType {
  const type = value(raw)?.toLowerCase() ?? 'release';
  if ((MINI_PROGRAM_TYPES as readonly string[]).includes(type)) return type as MiniProgramType;
  const alias = MINI_PROGRAM_TYPE_ALIASES[type];
  if (alias) return alias;
  throw new SampleConfigError(
    `MINI_PROGRAM_TYPE must be one of ${MINI_PROGRAM_TYPES.join(', ')} (WXLaunchMiniProgramReq), or develop (= test) ` + 'or trial (= preview).',
  );
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env[name]);
  if (raw === undefined) return fallback;
  const parsed = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new SampleConfigError(`${name} must be an integer from ${min} to ${max}.`);
  }
  return parsed;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = value(env[name])?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new SampleConfigError(`${name} must be 1/true/yes or 0/false/no.`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = value(env[name]);
  if (raw === undefined) return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new SampleConfigError(`${name} must be one of ${allowed.join(', ')}.`);
}

function matching(env: Env, name: string, pattern: RegExp, what: string): string {
  const raw = value(env[name])!;
  if (!pattern.test(raw)) throw new SampleConfigError(`${name} must be ${what}.`);
  return raw;
}

function trustProxy(raw: string | undefined): SampleConfig['trustProxy'] {
  const setting = value(raw);
  if (setting === undefined) return undefined;
  if (setting === 'true' || setting === 'false') return setting === 'true';
  return /^\d+$/.test(setting) ? Number(setting) : setting;
}

function value(raw: string | undefined): string | undefined {
  const trimmed = raw?.trim();
  return trimmed ? trimmed : undefined;
}
