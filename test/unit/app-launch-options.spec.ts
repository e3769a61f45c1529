import { MemoryTicketReplayStore } from 'nestjs-app2wxapp';
import { resolveOptions } from '../../lib/options/app2wxapp-options.schema';

const APP_SECRET = 'app-secret-value-4242';
const base = {
  flow: 'app-launch' as const,
  userPoolId: '62a0b2c3d4e5f60718293a4b',
  appId: '62a0b2c3d4e5f60718293a4c',
  appSecret: APP_SECRET,
  appHost: 'https://example.authing.cn',
  connection: 'wx-applaunch',
};

function problem(options: object): string {
  try {
    resolveOptions(options as never);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('resolveOptions accepted the options');
}

describe('app-launch options', () => {
  it('fills in the defaults and the URLs', () => {
    const options = resolveOptions(base);
    expect(options).toMatchObject({
      flow: 'app-launch',
      pool: 'default',
      claimPrefix: '',
      userPoolId: base.userPoolId,
      appId: base.appId,
      appSecret: APP_SECRET,
      appHost: 'https://example.authing.cn',
      connection: 'wx-applaunch',
      clientAuth: 'client_secret_post',
      scope: 'openid profile phone',
      verify: 'profile',
      idTokenAlg: 'RS256',
      issuers: ['https://example.authing.cn/oidc', 'https://example.authing.cn/oidc/'],
      jwksRefreshMs: 30000,
      codeTtlMs: 300000,
      timeoutMs: 5000,
      circuitBreaker: { threshold: 5, cooldownMs: 10000 },
      maxConcurrentExchanges: 256,
      maxQueuedExchanges: 1024,
      signinUrl: 'https://example.authing.cn/api/v3/signin-by-mobile',
      profileUrl: 'https://example.authing.cn/api/v3/get-profile?withIdentities=true',
      jwksUrls: [`https://example.authing.cn/${base.appId}/oidc/.well-known/jwks.json`, 'https://example.authing.cn/oidc/.well-known/jwks.json'],
      upstreamAddress: 'example.authing.cn',
      upstreamPort: 443,
    });
    expect(options.replayStore).toBeInstanceOf(MemoryTicketReplayStore);
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('keeps the ticket flow the default, and says which flow resolved it', () => {
    expect(resolveOptions({ userPoolId: 'pool', secret: 's' }).flow).toBe('ticket');
    expect(resolveOptions({ flow: 'ticket', userPoolId: 'pool', secret: 's' }).flow).toBe('ticket');
  });

  it('takes an issuer, a loopback host and a trailing slash', () => {
    const options = resolveOptions({ ...base, appHost: 'http://127.0.0.1:4000/', issuer: 'https://example.authing.cn/oidc/' });
    expect(options.signinUrl).toBe('http://127.0.0.1:4000/api/v3/signin-by-mobile');
    expect(options.issuers).toEqual(['https://example.authing.cn/oidc', 'https://example.authing.cn/oidc/']);
  });

  it.each([
    ['client_secret_basic with its secret', { clientAuth: 'client_secret_basic' }],
    ['none without a secret, reading the profile', { clientAuth: 'none', appSecret: undefined as never }],
    ['none with RS256 id_tokens, no secret', { clientAuth: 'none', verify: 'id_token', appSecret: undefined as never }],
    ['none with HS256 id_tokens and the secret', { clientAuth: 'none', verify: 'id_token+profile', idTokenAlg: 'HS256' }],
  ])('accepts %s', (_name, extra) => {
    const options: Record<string, unknown> = { ...base, ...extra };
    if (options.appSecret === undefined) delete options.appSecret;
    expect(() => resolveOptions(options as never)).not.toThrow();
  });

  it.each([
    [{ flow: 'applaunch' }, /flow must be 'ticket' \(the default\) or 'app-launch'/],
    [{ userPoolId: undefined }, /userPoolId must be 1 to 64/],
    [{ appId: 42 }, /appId must be a string/],
    [{ appId: 'x/../y' }, /appId must be 1 to 64/],
    [{ appSecret: undefined }, /appSecret is undefined \(is its environment variable unset\?\)/],
    [{ appSecret: '' }, /appSecret should not be empty/],
    [{ appHost: undefined }, /appHost must be a URL string/],
    [{ appHost: 'http://example.authing.cn' }, /appHost must use https:; plain http: is accepted only for a loopback host/],
    [{ appHost: 'https://example.authing.cn/?' }, /appHost must not carry a query or a fragment/],
    [{ appHost: 'https://u:p@example.authing.cn' }, /appHost must not carry credentials/],
    [{ appHost: 'example.authing.cn' }, /appHost must be an absolute URL/],
    [{ issuer: 'http://example.authing.cn/oidc' }, /issuer must use https:/],
    [{ connection: 'WX_AppLaunch' }, /connection must be the connection identifier/],
    [{ connection: 'a'.repeat(32) }, /connection must be the connection identifier/],
    [{ connection: undefined }, /connection must be a string/],
    [{ clientAuth: 'private_key_jwt' }, /clientAuth must be one of the following values/],
    [{ scope: 'profile phone' }, /scope must contain openid/],
    [{ scope: 'openid  profile' }, /scope must be scope values separated by single spaces/],
    [{ scope: `openid ${'x'.repeat(600)}` }, /scope must be shorter than or equal to 512 characters/],
    [{ verify: 'none' }, /verify must be one of the following values/],
    [{ idTokenAlg: 'none' }, /idTokenAlg must be one of the following values/],
    [{ jwksRefreshMs: 10 }, /jwksRefreshMs must not be less than 1000/],
    [{ codeTtlMs: 0 }, /codeTtlMs must be a positive number/],
    [{ codeExtractor: 'body.code' }, /codeExtractor must be a function/],
    [{ timeoutMs: -1 }, /timeoutMs must be a positive number/],
    [{ replayStore: {} }, /replayStore must be false or an object/],
    [{ circuitBreaker: { threshold: 0 } }, /circuitBreaker must be false or/],
    [{ secret: 'ticket-flow-secret' }, /unknown option "secret"/],
    [{ ticketTtlMs: 1000 }, /unknown option "ticketTtlMs"/],
    [{ clientAuth: 'client_secret_basic', appSecret: undefined }, /appSecret is undefined/],
    [{ minExchangeBudgetMs: 5000 }, /minExchangeBudgetMs \(5000\) must be below timeoutMs \(5000\)/],
  ])('refuses %j', (extra, message) => {
    expect(problem({ ...base, ...extra })).toMatch(message);
  });

  it.each([
    ['the default clientAuth', {}, /appSecret is required .*clientAuth is client_secret_post \(the default\) or client_secret_basic/],
    [
      'HS256 id_tokens',
      { clientAuth: 'none', verify: 'id_token', idTokenAlg: 'HS256' },
      /appSecret is required .*HS256 id_tokens are verified with it/,
    ],
  ])('requires the app secret for %s', (_name, extra, message) => {
    const { appSecret: _secret, ...rest } = base;
    expect(problem({ ...rest, ...extra })).toMatch(message);
  });

  it('refuses a secret that nothing would use', () => {
    expect(problem({ ...base, clientAuth: 'none' })).toMatch(/appSecret must be left out when clientAuth is 'none'/);
  });

  it('names every bad option at once and never echoes a value', () => {
    const hostile = 'https://evil.example/very-secret-path-4242?x';
    const message = problem({
      ...base,
      appSecret: 123456789,
      appHost: hostile,
      connection: 'Secret_Connection_Value',
      scope: 'profile very-secret-scope',
      appId: 'has a space',
    });
    expect(message).toMatch(/^App2WxappModule: invalid options: /);
    for (const option of [
      'appSecret must be a string',
      'appHost must not carry a query',
      'connection must be',
      'scope must contain openid',
      'appId must be',
    ]) {
      expect(message).toContain(option);
    }
    for (const value of ['123456789', 'evil.example', 'very-secret-path', 'Secret_Connection_Value', 'very-secret-scope', 'has a space']) {
      expect(message).not.toContain(value);
    }
  });

  it('names a named pool', () => {
    expect(() => resolveOptions({ ...base, connection: '' }, 'shop')).toThrow(/^App2WxappModule "shop": invalid options: connection/);
    expect(resolveOptions({ ...base }, 'shop').claimPrefix).toBe('shop:');
  });
});
