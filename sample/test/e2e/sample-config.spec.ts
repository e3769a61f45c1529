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
      upstream: { mode: 'emulator', flow: 'ticket' },
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
    expect(config.upstream).toEqual({ mode: 'authing', flow: 'ticket', userPoolId: 'pool', secret: 'secret', host: 'https://core.authing.cn' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgresql://db/app' });
    expect(config.listenHost).toBeUndefined();
    expect(config.port).toBe(8080);
    expect(config.session.jwtSecretIsDevDefault).toBe(false);
  });

  it('exchanges tickets without the pool secret only when AUTHING_EXCHANGE_WITHOUT_SECRET says so', () => {
    for (const yes of ['true', '1', 'yes', ' TRUE ']) {
      const config = loadSampleConfig({ AUTHING_USER_POOL_ID: 'pool', AUTHING_EXCHANGE_WITHOUT_SECRET: yes });
      expect(config.upstream).toEqual({ mode: 'authing', flow: 'ticket', userPoolId: 'pool', secret: undefined, host: 'https://core.authing.cn' });
    }
    const withSecret = loadSampleConfig({ AUTHING_USER_POOL_ID: 'pool', AUTHING_USER_POOL_SECRET: 's', AUTHING_EXCHANGE_WITHOUT_SECRET: 'false' });
    expect(withSecret.upstream).toMatchObject({ mode: 'authing', secret: 's' });
  });

  it('runs the app-launch flow on the emulator when AUTHING_FLOW=app-launch and nothing else is set', () => {
    for (const flow of ['app-launch', ' App-Launch ']) {
      const config = loadSampleConfig({ AUTHING_FLOW: flow });
      expect(config.upstream).toEqual({ mode: 'emulator', flow: 'app-launch' });
      expect(config.launch).toEqual({ getPhone: true, miniProgramType: 'release', originalId: undefined });
      expect(config.listenHost).toBe('127.0.0.1');
    }
    expect(loadSampleConfig({ AUTHING_FLOW: 'ticket' }).upstream).toEqual({ mode: 'emulator', flow: 'ticket' });
    expect(loadSampleConfig({ AUTHING_FLOW: 'app-launch', MINI_PROGRAM_ORIGINAL_ID: 'gh_0123456789ab' }).launch.originalId).toBe('gh_0123456789ab');
  });

  const appLaunchEnv = {
    AUTHING_FLOW: 'app-launch',
    AUTHING_USER_POOL_ID: '62e221f85f5ac5cc47037a36',
    AUTHING_APP_ID: '62e22721c889dd44bad1dda2',
    AUTHING_APP_SECRET: 'app-secret-value',
    AUTHING_APP_HOST: 'https://example.authing.cn/',
    AUTHING_CONNECTION: 'wechat-app-launch',
  };

  it('uses Authing in the app-launch flow when its variables are set', () => {
    expect(loadSampleConfig(appLaunchEnv).upstream).toEqual({
      mode: 'authing',
      flow: 'app-launch',
      userPoolId: '62e221f85f5ac5cc47037a36',
      appId: '62e22721c889dd44bad1dda2',
      appSecret: 'app-secret-value',
      appHost: 'https://example.authing.cn',
      connection: 'wechat-app-launch',
      clientAuth: 'client_secret_post',
    });
    expect(loadSampleConfig({ ...appLaunchEnv, AUTHING_CLIENT_AUTH: 'client_secret_basic' }).upstream).toMatchObject({
      clientAuth: 'client_secret_basic',
    });
    const { AUTHING_APP_SECRET: _secret, ...withoutSecret } = appLaunchEnv;
    expect(loadSampleConfig({ ...withoutSecret, AUTHING_CLIENT_AUTH: 'none' }).upstream).toMatchObject({ clientAuth: 'none', appSecret: undefined });
    expect(loadSampleConfig({ ...appLaunchEnv, AUTHING_APP_HOST: 'http://127.0.0.1:4400' }).upstream).toMatchObject({
      appHost: 'http://127.0.0.1:4400',
    });
  });

  const { AUTHING_APP_SECRET: _unused, ...appLaunchWithoutSecret } = appLaunchEnv;
  const secretLooking = 'sk-looks-like-a-secret-0123456789';

  it.each([
    [{ AUTHING_FLOW: 'app_launch' }, /AUTHING_FLOW must be ticket .* or app-launch/],
    [{ AUTHING_FLOW: secretLooking }, /AUTHING_FLOW/],
    // Half an app-launch configuration must not fall back to the emulator; every missing variable is named.
    [
      { AUTHING_FLOW: 'app-launch', AUTHING_APP_ID: 'app' },
      /needs AUTHING_USER_POOL_ID, AUTHING_APP_HOST, AUTHING_CONNECTION, AUTHING_APP_SECRET as well \(AUTHING_APP_ID is set\)/,
    ],
    [{ AUTHING_FLOW: 'app-launch', AUTHING_USER_POOL_ID: 'pool' }, /needs AUTHING_APP_ID, .*AUTHING_APP_SECRET/],
    [
      { AUTHING_FLOW: 'app-launch', AUTHING_CLIENT_AUTH: 'none' },
      /needs AUTHING_USER_POOL_ID, AUTHING_APP_ID, AUTHING_APP_HOST, AUTHING_CONNECTION as well/,
    ],
    [appLaunchWithoutSecret, /needs AUTHING_APP_SECRET .*only with AUTHING_CLIENT_AUTH=none/],
    [{ ...appLaunchEnv, AUTHING_CLIENT_AUTH: 'none' }, /AUTHING_APP_SECRET must be unset when AUTHING_CLIENT_AUTH is none/],
    [{ ...appLaunchEnv, AUTHING_CLIENT_AUTH: 'basic' }, /AUTHING_CLIENT_AUTH must be one of client_secret_post, client_secret_basic, none/],
    [{ ...appLaunchEnv, AUTHING_APP_HOST: 'http://example.authing.cn' }, /AUTHING_APP_HOST must be .* https URL/],
    [{ ...appLaunchEnv, AUTHING_APP_HOST: 'example.authing.cn' }, /AUTHING_APP_HOST/],
    [{ ...appLaunchEnv, AUTHING_APP_HOST: 'https://user:pw@example.authing.cn' }, /AUTHING_APP_HOST/],
    [{ ...appLaunchEnv, AUTHING_CONNECTION: 'WeChat App Launch' }, /AUTHING_CONNECTION must be the connection's identifier/],
    [{ ...appLaunchEnv, AUTHING_APP_ID: 'app id/..' }, /AUTHING_APP_ID must be/],
    [{ ...appLaunchEnv, AUTHING_USER_POOL_ID: 'pool?x=1' }, /AUTHING_USER_POOL_ID must be/],
    // A variable of the other flow: most likely AUTHING_FLOW was forgotten.
    [{ AUTHING_APP_ID: 'app' }, /AUTHING_APP_ID belongs to the other flow, but AUTHING_FLOW is ticket \(the default\)/],
    [
      { AUTHING_USER_POOL_ID: 'pool', AUTHING_USER_POOL_SECRET: 's', AUTHING_CONNECTION: 'c', AUTHING_CLIENT_AUTH: 'none' },
      /AUTHING_CONNECTION, AUTHING_CLIENT_AUTH belong to the other flow/,
    ],
    [{ ...appLaunchEnv, AUTHING_USER_POOL_SECRET: 's' }, /AUTHING_USER_POOL_SECRET belongs to the other flow, but AUTHING_FLOW is app-launch/],
    [{ ...appLaunchEnv, AUTHING_HOST: 'https://core.authing.cn' }, /AUTHING_HOST belongs to the other flow/],
    [{ AUTHING_FLOW: 'app-launch', MINI_PROGRAM_GET_PHONE: '0' }, /MINI_PROGRAM_GET_PHONE belongs to the ticket flow/],
    [{ MINI_PROGRAM_ORIGINAL_ID: 'gh_0123456789ab' }, /MINI_PROGRAM_ORIGINAL_ID belongs to AUTHING_FLOW=app-launch/],
    [{ AUTHING_FLOW: 'app-launch', MINI_PROGRAM_ORIGINAL_ID: 'wx0123456789abcdef' }, /MINI_PROGRAM_ORIGINAL_ID must be/],
    // The ticket flow: the secret is required unless the pool says it exchanges without one.
    [{ AUTHING_USER_POOL_ID: 'pool' }, /AUTHING_USER_POOL_SECRET is required .*AUTHING_EXCHANGE_WITHOUT_SECRET=true/],
    [{ AUTHING_USER_POOL_ID: 'pool', AUTHING_EXCHANGE_WITHOUT_SECRET: 'false' }, /AUTHING_USER_POOL_SECRET is required/],
    [
      { AUTHING_USER_POOL_ID: 'pool', AUTHING_USER_POOL_SECRET: 's', AUTHING_EXCHANGE_WITHOUT_SECRET: 'true' },
      /AUTHING_USER_POOL_SECRET must be unset when AUTHING_EXCHANGE_WITHOUT_SECRET is true/,
    ],
    [
      { AUTHING_USER_POOL_ID: 'pool', AUTHING_EXCHANGE_WITHOUT_SECRET: 'maybe' },
      /AUTHING_EXCHANGE_WITHOUT_SECRET must be 1\/true\/yes or 0\/false\/no/,
    ],
    [{ AUTHING_EXCHANGE_WITHOUT_SECRET: 'true' }, /AUTHING_EXCHANGE_WITHOUT_SECRET is set but AUTHING_USER_POOL_ID is not/],
  ])('refuses to boot with %j, naming the variable', (env, message) => {
    expect(() => loadSampleConfig(env)).toThrow(message);
  });

  it('never repeats the value of a variable in its error', () => {
    const envs = [
      { AUTHING_FLOW: secretLooking },
      { AUTHING_FLOW: 'app-launch', AUTHING_CLIENT_AUTH: secretLooking },
      { ...appLaunchEnv, AUTHING_APP_HOST: `https://${secretLooking}@example.authing.cn` },
      { ...appLaunchEnv, AUTHING_CONNECTION: secretLooking.toUpperCase() },
      { ...appLaunchEnv, AUTHING_APP_ID: `${secretLooking}!` },
      { AUTHING_USER_POOL_ID: 'pool', AUTHING_EXCHANGE_WITHOUT_SECRET: secretLooking },
      { PORT: secretLooking },
      { MINI_PROGRAM_TYPE: secretLooking },
      { MINI_PROGRAM_GET_PHONE: secretLooking },
      { AUTHING_FLOW: 'app-launch', MINI_PROGRAM_ORIGINAL_ID: secretLooking },
    ];
    for (const env of envs) {
      let message = '';
      try {
        loadSampleConfig(env);
      } catch (error) {
        message = (error as Error).message;
      }
      expect({ env, refused: message.length > 0 }).toEqual({ env, refused: true });
      expect(message.toLowerCase()).not.toContain(secretLooking.toLowerCase());
    }
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
