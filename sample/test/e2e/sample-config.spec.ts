import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEV_DEFAULT_JWT_SECRET, loadSampleConfig } from '../../src/config/load-sample-config';
import { locateSampleDir } from '../../src/config/sample-paths';

const repo = process.cwd();
const sampleDir = resolve(repo, 'sample');

describe('sample configuration', () => {
  it('runs offline on embedded defaults: emulator, PGlite in sample/.data, port 3000, loopback only', () => {
    const config = loadSampleConfig({});
    expect(config).toMatchObject({
      port: 3000,
      listenHost: '127.0.0.1',
      database: { kind: 'pglite', dataDir: resolve(sampleDir, '.data') },
      upstream: { mode: 'emulator' },
      session: { jwtSecret: DEV_DEFAULT_JWT_SECRET, jwtSecretIsDevDefault: true, ttlSeconds: 3600 },
      launch: { getPhone: true, miniProgramType: 'release' },
      loginRateLimitPerMinute: 20,
      publicDir: resolve(sampleDir, 'public'),
    });
  });

  it('uses Authing and PostgreSQL when configured', () => {
    const config = loadSampleConfig({
      AUTHING_USER_POOL_ID: 'pool',
      AUTHING_USER_POOL_SECRET: 'secret',
      DATABASE_URL: 'postgresql://db/app',
      PORT: '8080',
      JWT_SECRET: 'x'.repeat(32),
      NODE_ENV: 'production',
    });
    expect(config.upstream).toEqual({ mode: 'authing', userPoolId: 'pool', secret: 'secret', host: 'https://core.authing.cn' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgresql://db/app' });
    expect(config.listenHost).toBeUndefined();
    expect(config.port).toBe(8080);
    expect(config.session.jwtSecretIsDevDefault).toBe(false);
  });

  it.each([
    ['release', 'release'],
    ['test', 'test'],
    ['develop', 'test'],
    ['preview', 'preview'],
    ['trial', 'preview'],
  ])('maps MINI_PROGRAM_TYPE=%s to WXLaunchMiniProgramReq type %s', (type, expected) => {
    expect(loadSampleConfig({ MINI_PROGRAM_TYPE: type }).launch.miniProgramType).toBe(expected);
  });

  it.each([
    [{ AUTHING_USER_POOL_SECRET: 's' }, /AUTHING_USER_POOL_ID/],
    [{ AUTHING_HOST: 'https://core.genauth.ai' }, /AUTHING_USER_POOL_ID/],
    [{ NODE_ENV: 'production' }, /JWT_SECRET is required/],
    [{ JWT_SECRET: 'short' }, /at least 32/],
    [{ MINI_PROGRAM_TYPE: 'beta' }, /release, test, preview/],
    [{ LOGIN_RATE_LIMIT_PER_MINUTE: '0' }, /LOGIN_RATE_LIMIT_PER_MINUTE/],
    [{ LOGIN_RATE_LIMIT_PER_MINUTE: 'lots' }, /LOGIN_RATE_LIMIT_PER_MINUTE/],
    [{ PORT: '70000' }, /PORT/],
    [{ MINI_PROGRAM_GET_PHONE: 'maybe' }, /MINI_PROGRAM_GET_PHONE/],
  ])('refuses to boot with %j', (env, message) => {
    expect(() => loadSampleConfig(env)).toThrow(message);
  });

  it('finds the demo page from the repository root or the sample directory, and says so when it cannot', async () => {
    expect(locateSampleDir(repo)).toBe(sampleDir);
    expect(locateSampleDir(sampleDir)).toBe(sampleDir);
    const elsewhere = await mkdtemp(join(tmpdir(), 'app2wxapp-cwd-'));
    try {
      // Under Jest there is no __dirname (native ES modules), so only the working directory can tell.
      expect(() => locateSampleDir(elsewhere)).toThrow(/SAMPLE_DIR/);
      expect(loadSampleConfig({ SAMPLE_DIR: sampleDir }, elsewhere).publicDir).toBe(resolve(sampleDir, 'public'));
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
