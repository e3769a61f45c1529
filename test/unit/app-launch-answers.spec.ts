import { App2WxappLoginError } from 'nestjs-app2wxapp';
import { mapAppLaunchProfile } from '../../lib/profile/app-launch-profile.mapper';
import { readProfileAnswer } from '../../lib/client/app-launch-profile.reader';
import { readSigninAnswer } from '../../lib/client/app-launch-signin.reader';
import { mapProfile } from '../../lib/profile/app2wxapp-profile.mapper';

const CODE = '0a3Xr2000Nh7zQ1xYw100Qk8y13Xr20y';
const PHONE = 'e31968a7f94cc5ee25fafc2aef2773f6bb8c3e1c7e6bfa8c7c3b8c18b0f4b6f1';
const APP_SECRET = 'app-secret-value-4242-abcdef';
const ACCESS = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLWFjY2Vzcw';
const ID_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIiwiYXVkIjoiYXBwIn0.c2lnbmF0dXJlLWlk';
const SECRETS = [CODE, PHONE, APP_SECRET];
const post: { clientAuth: 'client_secret_post' | 'client_secret_basic' | 'none' } = { clientAuth: 'client_secret_post' };

const body = (value: unknown) => JSON.stringify(value);
const ok = (data: Record<string, unknown>) => body({ statusCode: 200, message: '', requestId: 'r', data });

function failure(fn: () => unknown): App2WxappLoginError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(App2WxappLoginError);
    const error = err as App2WxappLoginError;
    // Nothing secret ever reaches the client's message or the operator's detail.
    const shown = `${JSON.stringify(error.getResponse())} ${error.operatorDetail ?? ''}`;
    for (const secret of [...SECRETS, ACCESS, ID_TOKEN]) {
      for (let i = 0; i + 12 <= secret.length; i += 4) expect(shown).not.toContain(secret.slice(i, i + 12));
    }
    return error;
  }
  throw new Error('no failure');
}

const signin = (status: number, text: unknown, pool = post) => failure(() => readSigninAnswer(status, text, pool, SECRETS));

describe('the v3 sign-in answer', () => {
  it.each([
    ['expire_in (the contract)', { expire_in: 7200 }, 7200],
    ['expires_in (OIDC)', { expires_in: 3600 }, 3600],
    ['no lifetime', {}, undefined],
    ['a lifetime that is not a positive integer', { expire_in: '7200' }, undefined],
  ])('reads the tokens with %s', (_name, lifetime, expiresIn) => {
    const tokens = readSigninAnswer(200, ok({ access_token: ACCESS, id_token: ID_TOKEN, token_type: 'bearer', ...lifetime }), post, SECRETS);
    expect(tokens).toEqual({ accessToken: ACCESS, idToken: ID_TOKEN, ...(expiresIn ? { expiresIn } : {}) });
  });

  it('reads HTTP 201, and a refresh token when there is one', () => {
    const tokens = readSigninAnswer(
      201,
      ok({ access_token: ACCESS, id_token: ID_TOKEN, refresh_token: 'r'.repeat(40), expire_in: 60 }),
      post,
      SECRETS,
    );
    expect(tokens.refreshToken).toBe('r'.repeat(40));
  });

  it.each([
    ['no access_token', { id_token: ID_TOKEN }, /no access_token/],
    ['an empty access_token', { access_token: '', id_token: ID_TOKEN }, /no access_token/],
    ['a numeric access_token', { access_token: 1234567890123456, id_token: ID_TOKEN }, /no access_token/],
    ['no id_token', { access_token: ACCESS }, /no id_token/],
    ['an id_token that is not a JWT', { access_token: ACCESS, id_token: 'not-a-jwt-at-all-but-long' }, /no id_token/],
    ['an id_token with a space', { access_token: ACCESS, id_token: `${ID_TOKEN} x` }, /no id_token/],
  ])('refuses a success with %s as unusable (502)', (_name, data, message) => {
    const error = signin(200, ok(data));
    expect([error.getStatus(), error.kind]).toEqual([502, 'upstream-error']);
    expect(error.message).toMatch(message);
  });

  it.each([
    ['statusCode as a string', body({ statusCode: '200', data: { access_token: ACCESS, id_token: ID_TOKEN } })],
    ['no statusCode', body({ data: { access_token: ACCESS, id_token: ID_TOKEN } })],
    ['HTTP 202', ok({ access_token: ACCESS, id_token: ID_TOKEN }), 202],
    ['data that is not an object', ok(null as never)],
  ])('never reads tokens from %s', (_name, text, status = 200) => {
    const error = signin(status, text);
    expect(error.getStatus()).toBeGreaterThanOrEqual(400);
    expect(error.kind).not.toBe('rejected');
  });

  it.each([
    [2005, 403, 'blocked', /locked/],
    [2120008, 403, 'blocked', /disabled/],
    [2130010, 403, 'blocked', /tenant/],
    [1576, 403, 'blocked', /no permission to log in to this app/],
    [2031, 403, 'blocked', /register/],
    [2004, 401, 'rejected', /found no user/],
    [1636, 401, 'rejected', /multi-factor authentication \(MFA\).*interaction: mfa/],
    [1639, 401, 'rejected', /password reset.*interaction: password-reset/],
    [1640, 401, 'rejected', /existing account.*interaction: bind-existing-account/],
    [1641, 401, 'rejected', /or creating one.*interaction: bind-or-create-account/],
    [1642, 401, 'rejected', /completing the user information.*interaction: complete-profile/],
    [2921, 401, 'rejected', /several accounts.*interaction: choose-account/],
  ])('maps apiCode %s to %s %s, in an HTTP 200 envelope, a string apiCode or an HTTP 4xx', (apiCode, status, kind, message) => {
    for (const [http, text] of [
      [200, body({ statusCode: 400, message: `refused ${CODE}`, apiCode, data: null })],
      [200, body({ statusCode: 499, message: 'x', apiCode: String(apiCode), data: null })],
      [403, body({ statusCode: 403, message: 'x', apiCode })],
    ] as const) {
      const error = signin(http, text);
      expect([error.getStatus(), error.kind, error.upstreamCode]).toEqual([status, kind, apiCode]);
      expect(error.message).toMatch(message);
    }
  });

  it.each([
    ['a WeChat "invalid code"', 200, { statusCode: 400, message: `invalid code, rid: 1 (${CODE})` }],
    ['WeChat errcode 40163 (used)', 400, { statusCode: 400, message: 'code been used, errcode 40163' }],
    ['an unknown 4xx refusal', 200, { statusCode: 499, apiCode: '2011', message: `bad ${PHONE}` }],
    ['an HTTP 400 without a message', 400, { statusCode: 400 }],
  ])('answers %s with 401 rejected, redacted', (_name, status, answer) => {
    const error = signin(status, body(answer));
    expect([error.getStatus(), error.kind]).toEqual([401, 'rejected']);
    expect(error.message).toMatch(/^Authing refused the WeChat code/);
  });

  it.each([
    ['HTTP 401 without a body', 401, '', post, 'appSecret'],
    ['HTTP 403 without a body', 403, 'Forbidden', post, 'appSecret'],
    ['an OIDC invalid_client', 400, body({ error: 'invalid_client', error_description: 'client authentication failed' }), post, 'appSecret'],
    ['HTTP 401 to an app set to none', 401, body({ statusCode: 401, message: 'Unauthorized' }), { clientAuth: 'none' as const }, 'clientAuth'],
    ['a client_secret message', 200, body({ statusCode: 400, message: 'client_secret 错误' }), post, 'appSecret'],
    ['a 400 naming the connection', 200, body({ statusCode: 400, message: '身份源连接不存在: extIdpConnidentifier' }), post, 'connection'],
    ['a 404 naming the connection', 404, body({ statusCode: 404, message: 'connection not found' }), post, 'connection'],
    ['a 400 naming the app id', 200, body({ statusCode: 400, message: '应用不存在' }), post, 'appId'],
    ['a 403 naming the app', 403, body({ statusCode: 403, message: 'application is disabled' }), post, 'appId'],
    ['HTTP 404 without a body (a wrong host path)', 404, '<html>Not Found</html>', post, 'appHost'],
    ['HTTP 404 with an unknown JSON body', 404, body({ statusCode: 404, message: 'Cannot POST /api/v3/signin-by-mobile' }), post, 'appHost'],
  ])('answers %s with 500 misconfigured naming %s', (_name, status, text, pool, option) => {
    const error = signin(status, text, pool);
    expect([error.getStatus(), error.kind, error.freesClaim, error.circuit]).toEqual([500, 'misconfigured', true, 'clears']);
    expect(error.message).toMatch(/settings are wrong/);
    expect(error.operatorDetail).toContain(`check the option "${option}"`);
  });

  it.each([
    ['HTTP 500', 500, body({ statusCode: 500 }), 502],
    ['HTTP 503 with a user-shaped body', 503, ok({ access_token: ACCESS, id_token: ID_TOKEN }), 502],
    ['HTTP 429', 429, '', 503],
    ['HTTP 408', 408, '', 503],
    ['HTTP 302', 302, '', 502],
    ['a body statusCode of 500', 200, body({ statusCode: 500, message: 'internal' }), 502],
    ['a body that is not JSON', 200, '<html>', 502],
    ['a JSON array', 200, '[]', 502],
    ['a body that is not text', 200, 42, 502],
  ])('answers %s with %s (Authing, not the user)', (_name, status, text, expected) => {
    const error = signin(status, text);
    expect(error.getStatus()).toBe(expected);
    expect(error.kind).toBe('upstream-error');
    expect(error.circuit).toBe('counts');
  });
});

const profileUser = {
  userId: '62a0b2c3d4e5f60718293a4d',
  status: 'Activated',
  username: 'xiaoming',
  nickname: '小明',
  photo: 'https://files.authing.co/u.png',
  phone: '17600006754',
  phoneCountryCode: '+86',
  gender: 'M',
  userPoolId: 'pool-from-upstream',
  identities: [
    { identityId: 'i1', provider: 'wechat', type: 'openid', userIdInIdp: 'oMiniOpenid', extIdpId: 'e1' },
    { identityId: 'i2', provider: 'wechat', type: 'unionid', userIdInIdp: 'oUnion', extIdpId: 'e1' },
    { identityId: 'i3', provider: 'github', type: 'openid', userIdInIdp: 'gh-1' },
  ],
};

describe('the v3 get-profile answer', () => {
  it('reads an Activated user', () => {
    expect(readProfileAnswer(200, ok(profileUser))).toEqual(profileUser);
  });

  it.each([
    ['Suspended', { status: 'Suspended' }, /status in Authing is Suspended/],
    ['Deactivated', { status: 'Deactivated' }, /is Deactivated/],
    ['Archived', { status: 'Archived' }, /is Archived/],
    ['a missing status', { status: undefined }, /is missing/],
    ['a lowercase activated', { status: 'activated' }, /is unknown/],
    ['a status that is not a string', { status: ['Activated'] }, /is unknown/],
  ])('refuses %s with 403 naming it', (_name, change, message) => {
    const error = failure(() => readProfileAnswer(200, ok({ ...profileUser, ...change })));
    expect([error.getStatus(), error.kind]).toEqual([403, 'blocked']);
    expect(error.message).toMatch(message);
  });

  it.each([
    ['no userId', { userId: undefined }],
    ['an empty userId', { userId: '' }],
    ['a userId of another shape', { userId: 'a/b' }],
    ['a numeric userId', { userId: 42 }],
  ])('refuses %s as unusable (502)', (_name, change) => {
    expect(failure(() => readProfileAnswer(200, ok({ ...profileUser, ...change }))).getStatus()).toBe(502);
  });

  it.each([
    ['HTTP 401 (the token just issued)', 401, body({ statusCode: 401 }), 502],
    ['HTTP 200 with statusCode 401', 200, body({ statusCode: 401, message: 'token invalid' }), 502],
    ['a locked user', 200, body({ statusCode: 403, apiCode: 2005 }), 403],
    ['HTTP 404', 404, '', 500],
    ['HTTP 500', 500, ok(profileUser), 502],
    ['HTTP 429', 429, '', 503],
    ['garbage', 200, 'not json', 502],
  ])('answers %s with %s', (_name, status, text, expected) => {
    expect(failure(() => readProfileAnswer(status, text)).getStatus()).toBe(expected);
  });
});

describe('the app-launch profile', () => {
  const tokens = { accessToken: ACCESS, idToken: ID_TOKEN, refreshToken: 'r'.repeat(40), expiresIn: 7200 };
  const now = Date.parse('2026-12-05T10:00:00.000Z');

  it('maps the v3 user like the ticket flow maps its own', () => {
    const profile = mapAppLaunchProfile({ user: { ...profileUser } }, 'configured-pool', tokens, now);
    expect(profile).toMatchObject({
      id: profileUser.userId,
      userPoolId: 'configured-pool',
      flow: 'app-launch',
      openid: 'oMiniOpenid',
      unionid: 'oUnion',
      username: 'xiaoming',
      nickname: '小明',
      photo: profileUser.photo,
      phone: '17600006754',
      gender: 1,
      token: ID_TOKEN,
      blocked: false,
      tokens,
    });
    expect(profile.tokenExpiredAt).toEqual(new Date('2026-12-05T12:00:00.000Z'));
  });

  it('maps from the id_token claims alone', () => {
    const claims = { sub: 'user-1', nickname: 'Ada', picture: 'https://p', phone_number: '1760000', gender: 'F', preferred_username: 'ada' };
    const profile = mapAppLaunchProfile({ claims }, 'pool', { accessToken: ACCESS, idToken: ID_TOKEN });
    expect(profile).toMatchObject({
      id: 'user-1',
      nickname: 'Ada',
      photo: 'https://p',
      phone: '1760000',
      gender: 2,
      username: 'ada',
      blocked: false,
    });
    expect(profile.openid).toBeUndefined();
    expect(profile.tokenExpiredAt).toBeUndefined();
    expect(profile.raw).toBe(claims);
  });

  it.each([
    ['Suspended', 'Suspended', true],
    ['no status', undefined, true],
    ['Activated', 'Activated', false],
  ])('is blocked fail-closed for %s', (_name, status, blocked) => {
    expect(mapAppLaunchProfile({ user: { userId: 'u', status } }, 'p', tokens).blocked).toBe(blocked);
  });

  it.each([
    [
      'two different WeChat openids (app and mini program)',
      [
        ['openid', 'oApp'],
        ['openid', 'oMini'],
        ['unionid', 'oU'],
      ],
      undefined,
      'oU',
    ],
    [
      'the same openid twice',
      [
        ['openid', 'oSame'],
        ['openid', 'oSame'],
      ],
      'oSame',
      undefined,
    ],
    ['no identities', [], undefined, undefined],
    ['an identity without userIdInIdp', [['openid', '']], undefined, undefined],
  ])('reads identities with %s', (_name, entries, openid, unionid) => {
    const identities = entries.map(([type, userIdInIdp]) => ({ provider: 'wechat', type, userIdInIdp }));
    const profile = mapAppLaunchProfile({ user: { userId: 'u', status: 'Activated', identities } }, 'p', tokens);
    expect([profile.openid, profile.unionid]).toEqual([openid, unionid]);
  });

  it('maps gender U to 0 and ignores unknown values', () => {
    expect(mapAppLaunchProfile({ user: { userId: 'u', status: 'Activated', gender: 'U' } }, 'p', tokens).gender).toBe(0);
    expect(mapAppLaunchProfile({ user: { userId: 'u', status: 'Activated', gender: 1 } }, 'p', tokens).gender).toBeUndefined();
  });

  it('keeps the tokens and the raw user out of JSON', () => {
    const text = JSON.stringify(mapAppLaunchProfile({ user: { ...profileUser } }, 'p', tokens));
    for (const hidden of [ACCESS, ID_TOKEN, 'r'.repeat(40), 'identities', 'raw', '"tokens"', '"token"']) expect(text).not.toContain(hidden);
    expect(JSON.parse(text)).toMatchObject({ id: profileUser.userId, flow: 'app-launch', openid: 'oMiniOpenid' });
  });

  it('the ticket flow says it made its profile', () => {
    const profile = mapProfile({ _id: 'abc', blocked: false }, 'p');
    expect(profile.flow).toBe('ticket');
    expect(JSON.parse(JSON.stringify(profile)).flow).toBe('ticket');
  });
});
