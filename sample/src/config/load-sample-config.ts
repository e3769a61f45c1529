import { resolve } from 'node:path';
import { MINI_PROGRAM_TYPES, type MiniProgramType, type SampleConfig, type UpstreamConfig } from './sample-config.interface';
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

/** Reads and validates the sample's settings from environment variables; every mistake fails the boot, by name. */
export function loadSampleConfig(env: Env, cwd: string = process.cwd()): SampleConfig {
  const sampleDir = env.SAMPLE_DIR ? resolve(cwd, env.SAMPLE_DIR) : locateSampleDir(cwd);
  const upstream = upstreamConfig(env);
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
    launch: {
      getPhone: boolean(env, 'MINI_PROGRAM_GET_PHONE', true),
      miniProgramType: miniProgramType(env.MINI_PROGRAM_TYPE),
    },
    loginRateLimitPerMinute: integer(env, 'LOGIN_RATE_LIMIT_PER_MINUTE', 20, 1, 1_000_000),
    publicDir: resolve(sampleDir, 'public'),
  };
}

function upstreamConfig(env: Env): UpstreamConfig {
  const userPoolId = value(env.AUTHING_USER_POOL_ID);
  const secret = value(env.AUTHING_USER_POOL_SECRET);
  const host = value(env.AUTHING_HOST);
  if (userPoolId) return { mode: 'authing', userPoolId, secret, host: host ?? DEFAULT_AUTHING_HOST };
  // Half a configuration must not quietly fall back to the emulator: that would fake production.
  if (secret || host) {
    throw new SampleConfigError(
      'AUTHING_USER_POOL_SECRET or AUTHING_HOST is set but AUTHING_USER_POOL_ID is not: set all of them to use ' +
        'Authing, or none of them to run on the emulator.',
    );
  }
  return { mode: 'emulator' };
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
    `MINI_PROGRAM_TYPE must be one of ${MINI_PROGRAM_TYPES.join(', ')} (WXLaunchMiniProgramReq), or develop (= test) ` +
      `or trial (= preview), got "${type}".`,
  );
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env[name]);
  if (raw === undefined) return fallback;
  const parsed = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new SampleConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  }
  return parsed;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = value(env[name])?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new SampleConfigError(`${name} must be 1/true/yes or 0/false/no, got "${raw}".`);
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
