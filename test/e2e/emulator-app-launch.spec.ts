import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { App2WxappEmulator, type AppLaunchCodes, type AppLaunchSigninStep } from 'nestjs-app2wxapp/testing';

const POOL = 'pool-v3';
const CONNECTION = 'wx-app-launch';
const APPS = [
  { appId: 'app-none', appSecret: 'none-secret-1a2b', connection: CONNECTION },
  { appId: 'app-post', appSecret: 'post-secret-3c4d', connection: CONNECTION, clientAuth: 'client_secret_post' as const },
  { appId: 'app-basic', appSecret: 'basic-secret-5e6f', connection: CONNECTION, clientAuth: 'client_secret_basic' as const },
  { appId: 'app-hs', appSecret: 'hs256-secret-of-app-hs-7a8b9c0d', connection: CONNECTION, idTokenAlg: 'HS256' as const },
];

interface Answer {
  status: number;
  body: any;
}

async function call(url: string, init: RequestInit & { path: string }): Promise<Answer> {
  const res = await fetch(`${url}${init.path}`, init);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) };
}

/** The SigninByMobileDto an app-launch backend sends for these codes. */
function signinBody(codes: Pick<AppLaunchCodes, 'code' | 'phoneInfoCode'>, extra: Record<string, unknown> = {}) {
  return {
    connection: 'wechat_mini_program_code_and_phone',
    extIdpConnidentifier: CONNECTION,
    wechatMiniProgramCodeAndPhonePayload: {
      wxLoginInfo: { code: codes.code, iv: '', encryptedData: '' },
      wxPhoneInfo: { code: codes.phoneInfoCode },
    },
    options: { scope: 'openid profile phone' },
    ...extra,
  };
}

describe('the v3 app-launch flow in the emulator', () => {
  let emulator: App2WxappEmulator;
  const signin = (appId: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
    call(emulator.url, {
      path: '/api/v3/signin-by-mobile',
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(appId === undefined ? {} : { 'x-authing-app-id': appId }), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const profile = (authorization?: string, query = '?withIdentities=true') =>
    call(emulator.url, { path: `/api/v3/get-profile${query}`, headers: authorization === undefined ? {} : { authorization } });
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  beforeAll(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: 'pool-v3-secret', apps: APPS });
  });
  afterAll(async () => {
    await emulator.close();
  });
  afterEach(() => {
    emulator.reset();
  });

  describe('signin-by-mobile succeeds with each client authentication mode', () => {
    it('none: the codes alone, and the id_token verifies with jose against the app JWKS', async () => {
      const codes = emulator.issueCodes({ unionid: 'o-v3-alice', nickname: 'Alice', phone: '13800138000', gender: 2 }, { appId: 'app-none' });
      expect(JSON.parse(codes.extMsg)).toEqual({ code: codes.code, phoneInfoCode: codes.phoneInfoCode });
      const answer = await signin('app-none', signinBody(codes));
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        statusCode: 200,
        message: '登录成功',
        requestId: expect.any(String),
        data: {
          scope: 'openid profile phone',
          access_token: expect.any(String),
          id_token: expect.any(String),
          token_type: 'Bearer',
          expire_in: 1_209_600,
        },
      });
      const jwks = createRemoteJWKSet(new URL(`${emulator.url}/app-none/oidc/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(answer.body.data.id_token, jwks, { issuer: `${emulator.url}/oidc`, audience: 'app-none' });
      expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: emulator.appLaunch.currentKid('app-none') });
      expect(payload).toEqual({
        iss: `${emulator.url}/oidc`,
        aud: 'app-none',
        sub: codes.userId,
        iat: expect.any(Number),
        exp: payload.iat! + 1_209_600,
        name: 'Alice',
        nickname: 'Alice',
        picture: `${emulator.url}/avatars/${codes.userId}.svg`,
        gender: 'F',
        updated_at: expect.any(String),
        phone_number: '13800138000',
        phone_number_verified: true,
      });
      await expect(jwtVerify(answer.body.data.id_token, jwks, { issuer: `${emulator.url}/oidc`, audience: 'another-app' })).rejects.toThrow(
        errors.JWTClaimValidationFailed,
      );
    });

    it('client_secret_post: client_id and client_secret in the body', async () => {
      const codes = emulator.issueCodes({}, { appId: 'app-post' });
      const answer = await signin('app-post', signinBody(codes, { client_id: 'app-post', client_secret: 'post-secret-3c4d' }));
      expect([answer.status, answer.body.statusCode, answer.body.data.token_type]).toEqual([200, 200, 'Bearer']);
    });

    it('client_secret_basic: Authorization: Basic base64(appId:appSecret)', async () => {
      const codes = emulator.issueCodes({}, { appId: 'app-basic' });
      const answer = await signin('app-basic', signinBody(codes), { authorization: basic('app-basic', 'basic-secret-5e6f') });
      expect([answer.status, answer.body.statusCode]).toEqual([200, 200]);
    });

    it('HS256 apps sign with the app secret and publish no key', async () => {
      const codes = emulator.issueCodes({}, { appId: 'app-hs' });
      const { id_token } = (await signin('app-hs', signinBody(codes))).body.data;
      expect(decodeProtectedHeader(id_token)).toEqual({ alg: 'HS256', typ: 'JWT' });
      const { payload } = await jwtVerify(id_token, new TextEncoder().encode('hs256-secret-of-app-hs-7a8b9c0d'), {
        issuer: `${emulator.url}/oidc`,
        audience: 'app-hs',
      });
      expect(payload.sub).toBe(codes.userId);
      await expect(jwtVerify(id_token, new TextEncoder().encode('another-secret-of-32-characters!'))).rejects.toThrow(
        errors.JWSSignatureVerificationFailed,
      );
      expect((await call(emulator.url, { path: '/app-hs/oidc/.well-known/jwks.json' })).body).toEqual({ keys: [] });
    });

    it('offline_access adds a refresh_token; a scope without phone leaves the phone out', async () => {
      const codes = emulator.issueCodes({}, { appId: 'app-none' });
      const { data } = (await signin('app-none', signinBody(codes, { options: { scope: 'openid profile offline_access' } }))).body;
      expect(data.refresh_token).toEqual(expect.any(String));
      const { payload } = await jwtVerify(data.id_token, createRemoteJWKSet(new URL(`${emulator.url}/oidc/.well-known/jwks.json`)));
      expect(payload.phone_number).toBeUndefined();
      expect((await profile(`Bearer ${data.access_token}`)).body.data.phone).toBeUndefined();
    });
  });

  describe('client authentication failures are real HTTP 401s', () => {
    it.each([
      ['post without credentials', 'app-post', {}, {}, /需要 client_id 与 client_secret/],
      ['post with a wrong secret', 'app-post', { client_id: 'app-post', client_secret: 'wrong' }, {}, /client_secret 错误/],
      [
        'post with another client_id',
        'app-post',
        { client_id: 'app-none', client_secret: 'post-secret-3c4d' },
        {},
        /client_id 与 x-authing-app-id 不一致/,
      ],
      ['basic without the header', 'app-basic', {}, {}, /需要 Authorization: Basic/],
      ['basic with a wrong secret', 'app-basic', {}, { authorization: basic('app-basic', 'wrong') }, /client_secret 错误/],
    ])('%s', async (_name, appId, extra, headers, message) => {
      const answer = await signin(appId, signinBody(emulator.issueCodes({}, { appId }), extra), headers);
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ statusCode: 401, message: expect.stringMatching(message), requestId: expect.any(String), data: null });
      expect(JSON.stringify(answer.body)).not.toMatch(/post-secret|basic-secret/);
    });
  });

  describe('WeChat codes are single-use, expire after five minutes, and belong to one app', () => {
    it('a replayed code is refused', async () => {
      const codes = emulator.issueCodes({}, { appId: 'app-none' });
      expect((await signin('app-none', signinBody(codes))).body.statusCode).toBe(200);
      const again = await signin('app-none', signinBody(codes));
      expect([again.status, again.body]).toEqual([
        200,
        { statusCode: 400, message: '微信登录 code 已被使用 (errcode 40163: code been used)', requestId: expect.any(String), data: null },
      ]);
    });

    it('a code five minutes old (emulator time) is refused', async () => {
      const codes = emulator.issueCodes({}, { appId: 'app-none' });
      emulator.advanceClock(5 * 60_000);
      expect((await signin('app-none', signinBody(codes))).body).toMatchObject({
        statusCode: 400,
        message: '微信登录 code 无效或已过期 (errcode 40029: invalid code)',
      });
    });

    it('a code issued for another app, or never issued, is refused', async () => {
      const other = emulator.issueCodes({}, { appId: 'app-hs' });
      expect((await signin('app-none', signinBody(other))).body).toMatchObject({ statusCode: 400, message: /无效或已过期/ });
      expect((await signin('app-none', signinBody({ code: 'never-issued', phoneInfoCode: other.phoneInfoCode }))).body.statusCode).toBe(400);
    });

    it('a wrong phoneInfoCode fails the phone step (and spends the login code); a missing one is a 400', async () => {
      const codes = emulator.issueCodes({}, { appId: 'app-none' });
      const wrong = await signin('app-none', signinBody({ code: codes.code, phoneInfoCode: 'f'.repeat(64) }));
      expect([wrong.status, wrong.body]).toEqual([
        200,
        { statusCode: 400, message: '获取微信手机号失败 (errcode 40029: invalid code)', requestId: expect.any(String), data: null },
      ]);
      expect((await signin('app-none', signinBody(codes))).body.message).toMatch(/已被使用/);

      const fresh = emulator.issueCodes({}, { appId: 'app-none' });
      const body = signinBody(fresh) as any;
      delete body.wechatMiniProgramCodeAndPhonePayload.wxPhoneInfo;
      const missing = await signin('app-none', body);
      expect([missing.status, missing.body.message]).toEqual([400, 'wechatMiniProgramCodeAndPhonePayload.wxPhoneInfo.code must be a string']);
    });
  });

  describe('users refused at signin, with Authing apiCodes', () => {
    it('2005 for a locked user, 2120008 for a suspended one; undone, they sign in', async () => {
      emulator.appLaunch.lockUser('o-v3-locked');
      const locked = await signin('app-none', signinBody(emulator.issueCodes({ unionid: 'o-v3-locked' }, { appId: 'app-none' })));
      expect([locked.status, locked.body]).toEqual([
        200,
        { statusCode: 403, message: '用户已锁定', apiCode: 2005, requestId: expect.any(String), data: null },
      ]);
      emulator.appLaunch.setUserStatus('o-v3-suspended', 'Suspended');
      const suspended = await signin('app-none', signinBody(emulator.issueCodes({ unionid: 'o-v3-suspended' }, { appId: 'app-none' })));
      expect(suspended.body).toMatchObject({ statusCode: 403, message: '用户已停用', apiCode: 2120008 });

      emulator.appLaunch.lockUser('o-v3-locked', false);
      emulator.appLaunch.setUserStatus('o-v3-suspended', 'Activated');
      expect((await signin('app-none', signinBody(emulator.issueCodes({ unionid: 'o-v3-locked' }, { appId: 'app-none' })))).body.statusCode).toBe(
        200,
      );
      expect((await signin('app-none', signinBody(emulator.issueCodes({ unionid: 'o-v3-suspended' }, { appId: 'app-none' })))).body.statusCode).toBe(
        200,
      );
    });

    it.each<[AppLaunchSigninStep, number, string]>([
      [1576, 403, '无应用登录权限'],
      [1636, 499, '需要进行多因素认证 (MFA)'],
      [1639, 499, '首次登录需要重置密码'],
      [1640, 499, '请绑定已有账号'],
      [1641, 499, '请绑定已有账号或创建新账号'],
      [1642, 499, '请补全登录信息'],
      [2921, 499, '请选择要登录的账号'],
    ])('apiCode %i (statusCode %i)', async (step, statusCode, message) => {
      const unionid = `o-v3-step-${step}`;
      emulator.appLaunch.requireSigninStep(unionid, step);
      const answer = await signin('app-none', signinBody(emulator.issueCodes({ unionid }, { appId: 'app-none' })));
      expect([answer.status, answer.body]).toEqual([200, { statusCode, message, apiCode: step, requestId: expect.any(String), data: null }]);
      emulator.appLaunch.requireSigninStep(unionid, null);
      expect((await signin('app-none', signinBody(emulator.issueCodes({ unionid }, { appId: 'app-none' })))).body.statusCode).toBe(200);
    });

    it("apiCode as a string when asked, as Authing's docs print it", async () => {
      emulator.appLaunch.setApiCodeFormat('string');
      try {
        emulator.appLaunch.requireSigninStep('o-v3-string', 1636);
        expect((await signin('app-none', signinBody(emulator.issueCodes({ unionid: 'o-v3-string' }, { appId: 'app-none' })))).body.apiCode).toBe(
          '1636',
        );
      } finally {
        emulator.appLaunch.setApiCodeFormat('number');
      }
    });
  });

  describe('misconfiguration and malformed requests', () => {
    it('an unknown or missing app id: statusCode 499, apiCode 2011 (应用不存在)', async () => {
      const codes = emulator.issueCodes({}, { appId: 'app-none' });
      expect((await signin('no-such-app', signinBody(codes))).body).toEqual({
        statusCode: 499,
        message: '应用不存在',
        apiCode: 2011,
        requestId: expect.any(String),
        data: null,
      });
      expect((await signin(undefined, signinBody(codes))).body).toMatchObject({ statusCode: 499, apiCode: 2011 });
      // Neither spent the code.
      expect((await signin('app-none', signinBody(codes))).body.statusCode).toBe(200);
    });

    it('a wrong connection identifier, another connection type, a scope without openid: statusCode 400', async () => {
      const codes = emulator.issueCodes({}, { appId: 'app-none' });
      expect((await signin('app-none', signinBody(codes, { extIdpConnidentifier: 'not-ours' }))).body).toMatchObject({
        statusCode: 400,
        message: /^身份源连接不存在/,
      });
      expect((await signin('app-none', signinBody(codes, { connection: 'wechat_mini_program_code' }))).body).toMatchObject({
        statusCode: 400,
        message: /wechat_mini_program_code_and_phone/,
      });
      expect((await signin('app-none', signinBody(codes, { options: { scope: 'profile' } }))).body).toMatchObject({
        statusCode: 400,
        message: 'scope 必须包含 openid',
      });
      expect((await signin('app-none', signinBody(codes))).body.statusCode).toBe(200);
    });

    it('bad JSON, a non-object, an unknown connection, no payload: HTTP 400; a GET: 405', async () => {
      expect(await signin('app-none', '{"connection":')).toMatchObject({
        status: 400,
        body: { statusCode: 400, message: 'Request body must be JSON' },
      });
      expect(await signin('app-none', '"text"')).toMatchObject({ status: 400, body: { message: 'Request body must be a JSON object' } });
      expect(await signin('app-none', { connection: 'password' })).toMatchObject({
        status: 400,
        body: { message: /^connection must be one of the following values/ },
      });
      expect(await signin('app-none', { connection: 'wechat_mini_program_code_and_phone', extIdpConnidentifier: CONNECTION })).toMatchObject({
        status: 400,
        body: { message: 'wechatMiniProgramCodeAndPhonePayload must be an object' },
      });
      expect((await call(emulator.url, { path: '/api/v3/signin-by-mobile' })).status).toBe(405);
    });
  });

  describe('get-profile', () => {
    async function tokensFor(unionid: string, scope = 'openid profile phone') {
      const codes = emulator.issueCodes({ unionid, nickname: 'Prof', phone: '13911112222', gender: 1 }, { appId: 'app-none' });
      return (await signin('app-none', signinBody(codes, { options: { scope } }))).body.data;
    }

    it('answers the UserDto with identities, for a Bearer token and for the raw token (as the Node SDK sends it)', async () => {
      const { access_token } = await tokensFor('o-v3-profile');
      const withBearer = await profile(`Bearer ${access_token}`);
      expect(withBearer.status).toBe(200);
      expect(withBearer.body).toEqual({
        statusCode: 200,
        message: '',
        requestId: expect.any(String),
        data: expect.objectContaining({
          userId: emulator.appLaunch.userId('o-v3-profile'),
          status: 'Activated',
          nickname: 'Prof',
          photo: expect.stringMatching(/\/avatars\/[0-9a-f]{24}\.svg$/),
          phone: '13911112222',
          gender: 'M',
          identities: [
            expect.objectContaining({ provider: 'wechat', type: 'openid', userIdInIdp: expect.stringMatching(/^o/) }),
            expect.objectContaining({ provider: 'wechat', type: 'unionid', userIdInIdp: 'o-v3-profile' }),
          ],
        }),
      });
      expect(withBearer.body.data).not.toHaveProperty('unionid');
      expect(withBearer.body.data).not.toHaveProperty('blocked');
      const raw = await profile(access_token);
      expect(raw.body.data).toEqual(withBearer.body.data);
      expect((await profile(access_token, '')).body.data.identities).toBeUndefined();
    });

    it('shows a status set after the token was issued', async () => {
      const { access_token } = await tokensFor('o-v3-later');
      emulator.appLaunch.setUserStatus('o-v3-later', 'Deactivated');
      expect((await profile(`Bearer ${access_token}`)).body.data.status).toBe('Deactivated');
    });

    it('401 without a token, with an unknown one, and with one past its expire_in', async () => {
      expect(await profile()).toMatchObject({
        status: 401,
        body: { statusCode: 401, message: '尚未登录，无权限访问此请求', apiCode: 2020, data: null },
      });
      expect(await profile('Bearer not-a-token')).toMatchObject({ status: 401, body: { statusCode: 401, message: 'access_token 无效' } });
      const { access_token } = await tokensFor('o-v3-expiring');
      emulator.advanceClock(1_209_600_000);
      expect(await profile(`Bearer ${access_token}`)).toMatchObject({ status: 401, body: { statusCode: 401, message: 'access_token 已过期' } });
    });
  });

  describe('JWKS and key rotation', () => {
    it('serves the app keys at both paths; an unknown app is a 404', async () => {
      const perApp = await call(emulator.url, { path: '/app-none/oidc/.well-known/jwks.json' });
      expect(perApp.body.keys).toEqual([
        { kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: emulator.appLaunch.currentKid('app-none'), alg: 'RS256', use: 'sig' },
      ]);
      const shared = await call(emulator.url, { path: '/oidc/.well-known/jwks.json' });
      expect(shared.body.keys).toEqual(expect.arrayContaining(perApp.body.keys));
      expect(JSON.stringify(shared.body)).not.toMatch(/"d"|"p"|"q"/);
      expect(await call(emulator.url, { path: '/no-such-app/oidc/.well-known/jwks.json' })).toMatchObject({
        status: 404,
        body: { statusCode: 404, apiCode: 2011 },
      });
    });

    it('rotation signs with a new kid; old tokens verify while the old key is served, not after dropOld', async () => {
      const oldToken = (
        await signin('app-basic', signinBody(emulator.issueCodes({}, { appId: 'app-basic' })), {
          authorization: basic('app-basic', 'basic-secret-5e6f'),
        })
      ).body.data.id_token;
      const oldKid = emulator.appLaunch.currentKid('app-basic');
      const newKid = emulator.appLaunch.rotateSigningKey('app-basic');
      expect(newKid).not.toBe(oldKid);
      const newToken = (
        await signin('app-basic', signinBody(emulator.issueCodes({}, { appId: 'app-basic' })), {
          authorization: basic('app-basic', 'basic-secret-5e6f'),
        })
      ).body.data.id_token;
      expect(decodeProtectedHeader(newToken).kid).toBe(newKid);
      const jwksNow = createLocalJWKSet((await call(emulator.url, { path: '/app-basic/oidc/.well-known/jwks.json' })).body);
      await expect(jwtVerify(oldToken, jwksNow)).resolves.toBeDefined();
      await expect(jwtVerify(newToken, jwksNow)).resolves.toBeDefined();
      emulator.appLaunch.rotateSigningKey('app-basic', { dropOld: true });
      const jwksAfter = createLocalJWKSet((await call(emulator.url, { path: '/app-basic/oidc/.well-known/jwks.json' })).body);
      await expect(jwtVerify(oldToken, jwksAfter)).rejects.toThrow(errors.JWKSNoMatchingKey);
      expect(() => emulator.appLaunch.rotateSigningKey('app-hs')).toThrow(/HS256/);
    });
  });

  describe('faults on the v3 routes', () => {
    it('signin, profile and jwks can each be faulted', async () => {
      emulator.failNext('html502', 1, { on: 'signin' });
      const failed = await fetch(`${emulator.url}/api/v3/signin-by-mobile`, {
        method: 'POST',
        headers: { 'x-authing-app-id': 'app-none' },
        body: '{}',
      });
      expect([failed.status, failed.headers.get('content-type')]).toEqual([502, 'text/html']);
      emulator.failNext({ status: 200, body: 'not json', contentType: 'text/plain' }, 1, { on: 'profile' });
      expect(await (await fetch(`${emulator.url}/api/v3/get-profile`)).text()).toBe('not json');
      emulator.failNext('http500', 1, { on: 'jwks' });
      expect((await fetch(`${emulator.url}/app-none/oidc/.well-known/jwks.json`)).status).toBe(500);
      expect(emulator.pendingFaults).toBe(0);
    });
  });

  describe('the control API for the v3 flow', () => {
    const control = (path: string, body: unknown) =>
      call(emulator.url, { path: `/__emulator${path}`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('issues codes that sign in, for the first app or a named one', async () => {
      const issued = await control('/codes', { unionid: 'o-v3-curl', nickname: 'Curl' });
      expect(issued.status).toBe(201);
      expect(issued.body).toEqual({
        code: expect.any(String),
        phoneInfoCode: expect.any(String),
        extMsg: expect.any(String),
        userId: emulator.appLaunch.userId('o-v3-curl'),
        appId: 'app-none',
      });
      expect((await signin('app-none', signinBody(JSON.parse(issued.body.extMsg)))).body.statusCode).toBe(200);
      expect((await control('/codes', { appId: 'app-hs' })).body.appId).toBe('app-hs');
      expect(await control('/codes', { appId: 'nope' })).toMatchObject({ status: 404, body: { message: 'no app with this appId' } });
    });

    it('sets a user state, rotates a key, and validates both', async () => {
      expect(await control('/app-users/o-v3-ctl', { step: 1636 })).toMatchObject({ status: 200, body: { unionid: 'o-v3-ctl', step: 1636 } });
      expect((await signin('app-none', signinBody(emulator.issueCodes({ unionid: 'o-v3-ctl' }, { appId: 'app-none' })))).body.apiCode).toBe(1636);
      await control('/app-users/o-v3-ctl', { step: null, locked: true });
      expect((await signin('app-none', signinBody(emulator.issueCodes({ unionid: 'o-v3-ctl' }, { appId: 'app-none' })))).body.apiCode).toBe(2005);
      expect(await control('/app-users/o-v3-ctl', { status: 'Gone' })).toMatchObject({
        status: 400,
        body: { message: /^status must be one of Activated, Suspended/ },
      });
      expect(await control('/app-users/o-v3-ctl', { step: 9999 })).toMatchObject({ status: 400 });
      expect(await control('/app-users/o-v3-ctl', {})).toMatchObject({ status: 400, body: { message: 'give at least one of status, locked, step' } });

      const before = emulator.appLaunch.currentKid('app-none');
      const rotated = await control('/apps/app-none/rotate-key', {});
      expect(rotated.body).toEqual({ appId: 'app-none', kid: emulator.appLaunch.currentKid('app-none') });
      expect(rotated.body.kid).not.toBe(before);
      expect((await control('/apps/app-hs/rotate-key', {})).status).toBe(409);
      expect((await control('/apps/nope/rotate-key', {})).status).toBe(404);
    });
  });
});
