import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { type App2WxappAppLaunchModuleOptions, App2WxappGuard, App2WxappModule, type App2WxappProfile, App2WxappUser } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { CapturedLogs } from './support/captured-logs';
import { ADAPTERS, type RunningApp, startApp, type TestResponse } from './support/test-app';

const TICKET_POOL = 'pool-al-ticket';
const TICKET_SECRET = 'al-ticket-secret-5c1e9a';
const APP_SECRET = 'al-app-secret-8d2f7b';
const HS_SECRET = 'al-hs256-secret-41aa0e';
const WRONG_SECRET = 'al-wrong-secret-993c10';

/** The emulator's apps: one per client authentication and id_token algorithm. */
const APPS = {
  post: { appId: 'al-app-post', appSecret: APP_SECRET, connection: 'wx-launch-post', clientAuth: 'client_secret_post' },
  basic: { appId: 'al-app-basic', appSecret: APP_SECRET, connection: 'wx-launch-basic', clientAuth: 'client_secret_basic' },
  rs: { appId: 'al-app-rs', appSecret: APP_SECRET, connection: 'wx-launch-rs', clientAuth: 'none', idTokenAlg: 'RS256' },
  hs: { appId: 'al-app-hs', appSecret: HS_SECRET, connection: 'wx-launch-hs', clientAuth: 'none', idTokenAlg: 'HS256' },
} as const;

@Controller()
class LaunchController {
  @Post('launch')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forPool('launch'))
  launch(@App2WxappUser() user: unknown) {
    return { user };
  }

  @Post('launch-passport')
  @HttpCode(200)
  @UseGuards(AuthGuard(['app2wxapp:launch']))
  passport(@App2WxappUser() user: unknown) {
    return { user };
  }

  @Post('pool')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forPool((request) => request.headers['x-pool']))
  pool(@App2WxappUser() user: unknown) {
    return { user };
  }
}

describe.each(ADAPTERS)('the app-launch flow end to end on %s', (adapter) => {
  let emulator: App2WxappEmulator;
  let running: RunningApp | undefined;
  let logs: CapturedLogs;
  /** Every code, token and secret this suite handled: none may appear in a response or a log line. */
  let secrets: string[];

  const launchPool = (name: string, app: (typeof APPS)[keyof typeof APPS], options: Partial<App2WxappAppLaunchModuleOptions<any>> = {}) => {
    const base: App2WxappAppLaunchModuleOptions<any> = {
      flow: 'app-launch',
      userPoolId: `up-${name}`,
      appId: app.appId,
      appHost: emulator.url,
      connection: app.connection,
      clientAuth: app.clientAuth,
      validateUser: (profile: App2WxappProfile) => {
        secrets.push(profile.tokens!.accessToken, profile.tokens!.idToken);
        return {
          id: profile.id,
          flow: profile.flow,
          openid: profile.openid,
          unionid: profile.unionid,
          phone: profile.phone,
          blocked: profile.blocked,
        };
      },
      ...(app.clientAuth === 'none' ? {} : { appSecret: app.appSecret }),
    };
    return App2WxappModule.forRoot({ ...base, ...options, name } as App2WxappAppLaunchModuleOptions<any> & { name: string });
  };

  /** The default pool is a ticket pool; `launch` and the others are app-launch pools on the emulator's apps. */
  const boot = async (launch: Parameters<typeof launchPool>[2] = {}, app: (typeof APPS)[keyof typeof APPS] = APPS.post) => {
    running = await startApp(
      adapter,
      [App2WxappModule.forRoot({ userPoolId: TICKET_POOL, secret: TICKET_SECRET, host: emulator.url }), launchPool('launch', app, launch)],
      { controllers: [LaunchController] },
      (nest) => nest.useLogger(logs),
    );
    return running;
  };

  const codes = (unionid: string, appId: string = APPS.post.appId) => {
    const issued = emulator.issueCodes({ unionid, nickname: `user ${unionid}` }, { appId });
    secrets.push(issued.code, issued.phoneInfoCode);
    return issued;
  };

  const signins = () => emulator.requests.filter((r) => r.path === '/api/v3/signin-by-mobile').length;
  const jwksFetches = () => emulator.requests.filter((r) => r.path.endsWith('/jwks.json')).length;

  const expectNothingLeaked = (...responses: TestResponse[]) => {
    const shown = [...responses.map((r) => r.text), ...logs.entries.map((e) => e.message)].join('\n');
    for (const secret of [...secrets, APP_SECRET, HS_SECRET, WRONG_SECRET, TICKET_SECRET]) {
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain(secret.slice(0, 12));
    }
  };

  beforeAll(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: TICKET_POOL, secret: TICKET_SECRET, apps: Object.values(APPS) });
  });

  beforeEach(() => {
    logs = new CapturedLogs();
    secrets = [];
  });

  afterEach(async () => {
    await running?.close();
    running = undefined;
    emulator.reset();
  });

  afterAll(() => emulator.close());

  it('logs in through a ticket pool and an app-launch pool of one app, with codes in the body or in extMsg', async () => {
    const { post } = await boot();
    const ticket = emulator.issueTicket({ unionid: 'o-al-ticket', nickname: 'Ticket' });
    const byTicket = await post('/login', { ticket });
    expect(byTicket.status).toBe(200);
    expect(byTicket.body.user).toMatchObject({ userPoolId: TICKET_POOL, unionid: 'o-al-ticket' });

    const alice = codes('o-al-alice');
    const byCodes = await post('/launch', { code: alice.code, phoneInfoCode: alice.phoneInfoCode });
    expect(byCodes.status).toBe(200);
    expect(byCodes.body.user).toEqual({
      id: alice.userId,
      flow: 'app-launch',
      openid: expect.any(String),
      unionid: 'o-al-alice',
      phone: expect.any(String),
      blocked: false,
    });

    const again = codes('o-al-alice');
    const byExtMsg = await post('/launch', { extMsg: again.extMsg });
    expect(byExtMsg.status).toBe(200);
    expect(byExtMsg.body.user.id).toBe(alice.userId);

    // A resolver choosing the pool per request reaches either flow.
    const third = codes('o-al-alice');
    const chosen = await post('/pool', { code: third.code, phoneInfoCode: third.phoneInfoCode }, { 'x-pool': 'launch' });
    expect(chosen.status).toBe(200);
    expect(logs.takeProblems()).toEqual([]);
    expectNothingLeaked(byTicket, byCodes, byExtMsg, chosen);
  });

  it('refuses a replayed code with 401 "already used" and no second sign-in', async () => {
    const { post } = await boot();
    const bob = codes('o-al-bob');
    expect((await post('/launch', { code: bob.code, phoneInfoCode: bob.phoneInfoCode })).status).toBe(200);
    const before = signins();
    const replay = await post('/launch', { code: bob.code, phoneInfoCode: codes('o-al-bob').phoneInfoCode });
    expect(replay.status).toBe(401);
    expect(replay.body.message).toBe('This WeChat code has already been used');
    expect(signins()).toBe(before);
    expect(logs.takeProblems()).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/^Refused a WeChat code that was already presented \(pool launch, WeChat code #[0-9a-f]{12}\)$/),
      }),
    ]);
    expectNothingLeaked(replay);
  });

  it('answers 401 without any call for a missing phone code, a malformed code or a request without codes', async () => {
    const { post } = await boot();
    const carol = codes('o-al-carol');
    const missing = await post('/launch', { code: carol.code });
    expect(missing.status).toBe(401);
    expect(missing.body.message).toBe('No phoneInfoCode was presented');
    const malformed = await post('/launch', { code: 'x"; drop', phoneInfoCode: carol.phoneInfoCode });
    expect(malformed.status).toBe(401);
    expect((await post('/launch', { extMsg: '{not json' })).status).toBe(401);
    expect((await post('/launch', {})).status).toBe(401);
    expect(emulator.requestCount).toBe(0);
    // Nothing was claimed: the same codes still log in.
    expect((await post('/launch', { code: carol.code, phoneInfoCode: carol.phoneInfoCode })).status).toBe(200);
    expect(logs.takeProblems()).toEqual([]);
    expectNothingLeaked(missing, malformed);
  });

  it.each([
    ['Suspended', 'o-al-suspended'],
    ['Deactivated', 'o-al-deactivated'],
  ] as const)('refuses a %s user with 403, and keeps the code claimed', async (status, unionid) => {
    const { post } = await boot();
    const issued = codes(unionid);
    emulator.appLaunch.setUserStatus(unionid, status);
    const refused = await post('/launch', { code: issued.code, phoneInfoCode: issued.phoneInfoCode });
    expect(refused.status).toBe(403);
    const again = await post('/launch', { code: issued.code, phoneInfoCode: issued.phoneInfoCode });
    expect(again.status).toBe(401);
    expect(again.body.message).toBe('This WeChat code has already been used');
    expect(signins()).toBe(1);
    expect(logs.takeProblems().map((e) => e.level)).toEqual(['warn', 'warn']);
    expectNothingLeaked(refused, again);
  });

  it('refuses a locked user (2005) with 403 and a user who must pass MFA (1636) with 401 saying what to do', async () => {
    const { post } = await boot();
    const locked = codes('o-al-locked');
    emulator.appLaunch.lockUser('o-al-locked');
    const lockedAnswer = await post('/launch', { code: locked.code, phoneInfoCode: locked.phoneInfoCode });
    expect(lockedAnswer.status).toBe(403);

    const mfa = codes('o-al-mfa');
    emulator.appLaunch.requireSigninStep('o-al-mfa', 1636);
    const mfaAnswer = await post('/launch', { code: mfa.code, phoneInfoCode: mfa.phoneInfoCode });
    expect(mfaAnswer.status).toBe(401);
    expect(mfaAnswer.body.message).toMatch(/multi-factor authentication.*\(interaction: mfa\)$/);
    expect(logs.takeProblems()).toEqual([
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('apiCode 2005') }),
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('apiCode 1636') }),
    ]);
    expectNothingLeaked(lockedAnswer, mfaAnswer);
  });

  it('authenticates the server with client_secret_basic', async () => {
    const { post } = await boot({}, APPS.basic);
    const dave = codes('o-al-dave', APPS.basic.appId);
    const answer = await post('/launch', { code: dave.code, phoneInfoCode: dave.phoneInfoCode });
    expect(answer.status).toBe(200);
    const signin = emulator.requests.find((r) => r.path === '/api/v3/signin-by-mobile')!;
    expect(signin.headers.authorization).toMatch(/^Basic /);
    expect(logs.takeProblems()).toEqual([]);
    expectNothingLeaked(answer);
  });

  it('answers a wrong app secret with 500, logs ERROR naming appSecret, and frees the code claim', async () => {
    const { post } = await boot({ appSecret: WRONG_SECRET });
    const erin = codes('o-al-erin');
    const first = await post('/launch', { code: erin.code, phoneInfoCode: erin.phoneInfoCode });
    expect(first.status).toBe(500);
    expect(first.body.message).toBe("Login is unavailable: this server's Authing settings are wrong (the operator has been told)");
    // Freed: the same codes reach Authing again (and are refused for the same reason), not "already used".
    const second = await post('/launch', { code: erin.code, phoneInfoCode: erin.phoneInfoCode });
    expect(second.status).toBe(500);
    expect(signins()).toBe(2);
    const problems = logs.takeProblems();
    expect(problems).toHaveLength(2);
    for (const entry of problems) {
      expect(entry).toEqual(expect.objectContaining({ level: 'error', message: expect.stringContaining('check the option "appSecret"') }));
    }
    expectNothingLeaked(first, second);
  });

  it('keeps the claim when get-profile fails after the sign-in spent the code (502, then "already used")', async () => {
    const { post } = await boot();
    const fay = codes('o-al-fay');
    emulator.failNext('http500', 1, { on: 'profile' });
    const failed = await post('/launch', { code: fay.code, phoneInfoCode: fay.phoneInfoCode });
    expect(failed.status).toBe(502);
    const again = await post('/launch', { code: fay.code, phoneInfoCode: fay.phoneInfoCode });
    expect(again.status).toBe(401);
    expect(again.body.message).toBe('This WeChat code has already been used');
    expect(signins()).toBe(1);
    expect(logs.takeProblems()).toEqual([
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('upstream-error') }),
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('already presented') }),
    ]);
    expectNothingLeaked(failed, again);
  });

  it('a request without codes fails softly in Passport (401) and codes log in through AuthGuard("app2wxapp:launch")', async () => {
    const { post } = await boot();
    const none = await post('/launch-passport', {});
    expect(none.status).toBe(401);
    const gil = codes('o-al-gil');
    const answer = await post('/launch-passport', { code: gil.code, phoneInfoCode: gil.phoneInfoCode });
    expect(answer.status).toBe(200);
    expect(answer.body.user.id).toBe(gil.userId);
    expect(logs.takeProblems()).toEqual([]);
  });

  describe("verify: 'id_token'", () => {
    it('logs in with an RS256 id_token; an unknown kid (key rotated, old key dropped) within jwksRefreshMs is refused without a refetch', async () => {
      const { post } = await boot({ verify: 'id_token' }, APPS.rs);
      const hal = codes('o-al-hal', APPS.rs.appId);
      const first = await post('/launch', { code: hal.code, phoneInfoCode: hal.phoneInfoCode });
      expect(first.status).toBe(200);
      expect(first.body.user).toMatchObject({ id: hal.userId, flow: 'app-launch', blocked: false });
      expect(jwksFetches()).toBe(1);
      // No get-profile in this mode.
      expect(emulator.requests.some((r) => r.path.startsWith('/api/v3/get-profile'))).toBe(false);

      // The JWKS was fetched less than jwksRefreshMs (30 s) ago: an unknown kid does not make us fetch it again
      // (an attacker's tokens must not drive fetches). The refetch after jwksRefreshMs is covered with a clock in
      // test/unit/id-token-verifier.spec.ts.
      emulator.appLaunch.rotateSigningKey(APPS.rs.appId, { dropOld: true });
      const next = codes('o-al-hal', APPS.rs.appId);
      const second = await post('/launch', { code: next.code, phoneInfoCode: next.phoneInfoCode });
      expect(second.status).toBe(502);
      expect(jwksFetches()).toBe(1);
      expect(logs.takeProblems()).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('upstream-error') })]);
      expectNothingLeaked(first, second);
    });

    it('fetches the JWKS once when the pool first sees a rotated key, and logs in with it', async () => {
      emulator.appLaunch.rotateSigningKey(APPS.rs.appId, { dropOld: true });
      const { post } = await boot({ verify: 'id_token' }, APPS.rs);
      const hal = codes('o-al-hal', APPS.rs.appId);
      const answer = await post('/launch', { code: hal.code, phoneInfoCode: hal.phoneInfoCode });
      expect(answer.status).toBe(200);
      expect(jwksFetches()).toBe(1);
      expect(logs.takeProblems()).toEqual([]);
    });

    it('answers 500 naming issuer for an id_token from another issuer, and keeps the spent code claimed', async () => {
      const { post } = await boot({ verify: 'id_token', issuer: 'http://127.0.0.1:9/oidc' }, APPS.rs);
      const ida = codes('o-al-ida', APPS.rs.appId);
      const answer = await post('/launch', { code: ida.code, phoneInfoCode: ida.phoneInfoCode });
      expect(answer.status).toBe(500);
      const again = await post('/launch', { code: ida.code, phoneInfoCode: ida.phoneInfoCode });
      expect(again.status).toBe(401);
      expect(logs.takeProblems()).toEqual([
        expect.objectContaining({ level: 'error', message: expect.stringContaining('check the option "issuer"') }),
        expect.objectContaining({ level: 'warn', message: expect.stringContaining('already presented') }),
      ]);
      expectNothingLeaked(answer, again);
    });

    it('answers 500 naming appSecret for an HS256 id_token that does not verify with appSecret (a wrong signature)', async () => {
      const { post } = await boot({ verify: 'id_token', idTokenAlg: 'HS256', appSecret: WRONG_SECRET }, APPS.hs);
      const jo = codes('o-al-jo', APPS.hs.appId);
      const answer = await post('/launch', { code: jo.code, phoneInfoCode: jo.phoneInfoCode });
      expect(answer.status).toBe(500);
      expect(logs.takeProblems()).toEqual([
        expect.objectContaining({ level: 'error', message: expect.stringContaining('check the option "appSecret"') }),
      ]);
      expectNothingLeaked(answer);
    });

    it('logs in with an HS256 id_token verified with the right appSecret', async () => {
      const { post } = await boot({ verify: 'id_token', idTokenAlg: 'HS256', appSecret: HS_SECRET }, APPS.hs);
      const kim = codes('o-al-kim', APPS.hs.appId);
      const answer = await post('/launch', { code: kim.code, phoneInfoCode: kim.phoneInfoCode });
      expect(answer.status).toBe(200);
      expect(logs.takeProblems()).toEqual([]);
      expectNothingLeaked(answer);
    });

    it('answers 500 naming idTokenAlg for an RS256 id_token at a pool set to HS256', async () => {
      const { post } = await boot({ verify: 'id_token', idTokenAlg: 'HS256', appSecret: HS_SECRET }, APPS.rs);
      const lee = codes('o-al-lee', APPS.rs.appId);
      const answer = await post('/launch', { code: lee.code, phoneInfoCode: lee.phoneInfoCode });
      expect(answer.status).toBe(500);
      expect(logs.takeProblems()).toEqual([
        expect.objectContaining({ level: 'error', message: expect.stringContaining('check the option "idTokenAlg"') }),
      ]);
    });

    it('answers 502 for an id_token issued in the future (the emulator clock ahead of ours)', async () => {
      const { post } = await boot({ verify: 'id_token' }, APPS.rs);
      emulator.advanceClock(10 * 60_000);
      const max = codes('o-al-max', APPS.rs.appId);
      const answer = await post('/launch', { code: max.code, phoneInfoCode: max.phoneInfoCode });
      expect(answer.status).toBe(502);
      expect(logs.takeProblems()).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('upstream-error') })]);
      expectNothingLeaked(answer);
    });

    it('answers 502 when the JWKS endpoint fails', async () => {
      const { post } = await boot({ verify: 'id_token' }, APPS.rs);
      emulator.failNext('http500', 1, { on: 'jwks' });
      const ned = codes('o-al-ned', APPS.rs.appId);
      const answer = await post('/launch', { code: ned.code, phoneInfoCode: ned.phoneInfoCode });
      expect(answer.status).toBe(502);
      expect(logs.takeProblems()).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('HTTP 500') })]);
      expectNothingLeaked(answer);
    });
  });
});
