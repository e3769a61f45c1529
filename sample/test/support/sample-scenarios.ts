import { randomBytes } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { DATABASE, type Database } from '../../src/database/database.interface';
import { type AppLaunchUpstream, UPSTREAM, type UpstreamConnection } from '../../src/upstream/upstream-connection.interface';
import type { DatabaseFixture, MakeDatabase } from './database-fixtures';
import { type SampleServer, startSample, TEST_JWT_SECRET } from './sample-server';

const LOGIN = '/auth/app2wxapp/login';
const MINT = '/dev/emulator/tickets';
const MINT_CODES = '/dev/emulator/codes';
const APP_LAUNCH = { AUTHING_FLOW: 'app-launch' };

interface MintedCodes {
  code: string;
  phoneInfoCode: string;
  extMsg: string;
}

/** A WeChat person no other test (or earlier run on the same server) has seen. */
export function newPerson(nickname = 'Tester') {
  return { nickname, unionid: `wx-${randomBytes(8).toString('hex')}`, phone: '13800138000' };
}

export async function mintTicket(sample: SampleServer, person: object): Promise<string> {
  const minted = await sample.http.post<{ ticket: string }>(MINT, person);
  expect(minted.status).toBe(201);
  return minted.body.ticket;
}

export async function login(sample: SampleServer, person: object) {
  return sample.http.post(LOGIN, { ticket: await mintTicket(sample, person) });
}

/** What the customer's own mini program (emulated) hands the app in the app-launch flow. */
export async function mintCodes(sample: SampleServer, person: object): Promise<MintedCodes> {
  const minted = await sample.http.post<MintedCodes>(MINT_CODES, person);
  expect(minted.status).toBe(201);
  return minted.body;
}

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

/**
 * Every e2e scenario of the sample, on real sockets, against the database that `makeDatabase` provides: embedded
 * PGlite in `npm test`, a real PostgreSQL server in `npm run test:services`.
 */
/** The first start on a fresh database, on a loaded 2-core machine: see the `beforeAll` below. */
const FIRST_START_TIMEOUT_MS = 120_000;

export function describeSampleScenarios(label: string, makeDatabase: MakeDatabase): void {
  describe(`sample app on ${label}`, () => {
    let database: DatabaseFixture;
    const running: SampleServer[] = [];

    async function start(env: Record<string, string> = {}): Promise<SampleServer> {
      const sample = await startSample({ ...database.env, ...env });
      running.push(sample);
      return sample;
    }

    async function stop(sample: SampleServer): Promise<void> {
      running.splice(running.indexOf(sample), 1);
      await sample.close();
    }

    // The first start on a fresh database is the slow one (PGlite compiles its WASM and runs initdb in the new data
    // directory, then the sample creates its tables), and it once outlived the 30 s test timeout on a loaded 2-core
    // machine. It happens here, with the time it needs, so every test below starts on a ready database within the
    // ordinary timeout.
    beforeAll(async () => {
      database = await makeDatabase();
      await stop(await start());
    }, FIRST_START_TIMEOUT_MS);

    afterEach(async () => {
      // PGlite's data directory belongs to one app at a time: every app of a test is closed before the next test.
      await Promise.all(running.splice(0).map((sample) => sample.close()));
    });

    afterAll(async () => {
      await database?.dispose();
    });

    describe('in emulator mode', () => {
      it('gives the launch parameters of the mini program', async () => {
        const sample = await start();
        const launch = await sample.http.get('/auth/app2wxapp/launch');
        expect(launch.status).toBe(200);
        expect(launch.body).toEqual({
          flow: 'ticket',
          userName: 'gh_a781a791e29e',
          path: '/routes/explore?userPoolId=sample-emulator-pool&getPhone=1&fromApp=1&useSelfWxapp=0',
          miniProgramType: 'release',
        });
      });

      it('takes getPhone and the program type from configuration', async () => {
        const sample = await start({ MINI_PROGRAM_GET_PHONE: '0', MINI_PROGRAM_TYPE: 'preview' });
        const launch = await sample.http.get('/auth/app2wxapp/launch');
        expect(launch.body.path).toBe('/routes/explore?userPoolId=sample-emulator-pool&fromApp=1&useSelfWxapp=0');
        expect(launch.body.miniProgramType).toBe('preview');
      });

      it('logs in, stores the user, and answers /me with the stored row', async () => {
        const sample = await start();
        const person = newPerson('Alice');
        const first = await login(sample, person);
        expect(first.status).toBe(200);
        expect(first.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
        expect(typeof first.body.accessToken).toBe('string');
        const user = first.body.user;
        expect(user).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          authingId: expect.stringMatching(/^[0-9a-f]{24}$/),
          unionid: person.unionid,
          openid: expect.any(String),
          nickname: 'Alice',
          avatar: expect.any(String),
          phone: person.phone,
          loginCount: 1,
          createdAt: expect.any(String),
          lastLoginAt: expect.any(String),
        });
        expect(first.body.profile).toMatchObject({ id: user.authingId, nickname: 'Alice', unionid: person.unionid });
        expect(first.body.profile).not.toHaveProperty('token');
        expect(first.body.profile).not.toHaveProperty('raw');

        const me = await sample.http.get('/me', bearer(first.body.accessToken));
        expect(me.status).toBe(200);
        expect(me.body).toEqual(user);

        const second = await login(sample, { unionid: person.unionid, nickname: 'Alice 2' });
        expect(second.status).toBe(200);
        expect(second.body.user).toMatchObject({ id: user.id, loginCount: 2, nickname: 'Alice 2', phone: person.phone });
        expect(new Date(second.body.user.lastLoginAt).getTime()).toBeGreaterThanOrEqual(new Date(user.lastLoginAt).getTime());
        // The first session still works and now sees the updated row.
        const meAgain = await sample.http.get('/me', bearer(first.body.accessToken));
        expect(meAgain.body).toMatchObject({ id: user.id, loginCount: 2 });
      });

      it('refuses a replayed ticket with 401 and keeps the count', async () => {
        const sample = await start();
        const person = newPerson();
        const ticket = await mintTicket(sample, person);
        expect((await sample.http.post(LOGIN, { ticket })).status).toBe(200);
        const replay = await sample.http.post(LOGIN, { ticket });
        expect(replay.status).toBe(401);
        expect(replay.body.message).toMatch(/already been used/);
        expect((await login(sample, person)).body.user.loginCount).toBe(2);
      });

      it('answers the mini program cancel (extMsg code 400) with 401 and its message', async () => {
        const sample = await start();
        const cancel = await sample.http.post(LOGIN, { extMsg: 'code=400&message=用户取消授权' });
        expect(cancel.status).toBe(401);
        expect(cancel.body.message).toContain('用户取消授权');
        const extMsgLogin = await sample.http.post(MINT, newPerson());
        expect((await sample.http.post(LOGIN, { extMsg: extMsgLogin.body.extMsg })).status).toBe(200);
      });

      it('refuses /me without a token, with a tampered, forged, expired or unsigned one', async () => {
        const sample = await start();
        const { body } = await login(sample, newPerson());
        const token: string = body.accessToken;
        const [header, payload, signature] = token.split('.');
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
        const now = Math.floor(Date.now() / 1000);

        const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${signature}`;
        const forged = await new JwtService({ secret: 'another-key-of-at-least-32-characters!!' }).signAsync({ sub: claims.sub });
        const expired = await new JwtService({ secret: TEST_JWT_SECRET }).signAsync({ sub: claims.sub, iat: now - 7200, exp: now - 3600 });
        const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;

        const cases: [string, Record<string, string>, RegExp][] = [
          ['missing', {}, /Bearer/],
          ['not a bearer', { authorization: `Basic ${token}` }, /Bearer/],
          ['garbage', bearer('not-a-jwt'), /invalid/],
          ['tampered', bearer(tampered), /invalid/],
          ['forged', bearer(forged), /invalid/],
          ['expired', bearer(expired), /expired/],
          ['unsigned', bearer(unsigned), /Bearer|invalid/],
        ];
        for (const [name, headers, message] of cases) {
          const answer = await sample.http.get('/me', headers);
          expect({ name, status: answer.status }).toEqual({ name, status: 401 });
          expect(answer.body.message).toMatch(message);
        }
        expect((await sample.http.get('/me', bearer(token))).status).toBe(200);
      });

      it('rate-limits login per client IP with 429, and only login', async () => {
        const sample = await start({ LOGIN_RATE_LIMIT_PER_MINUTE: '3' });
        const person = newPerson();
        for (let i = 0; i < 3; i++) expect((await login(sample, person)).status).toBe(200);
        const emulator = sample.app.get<UpstreamConnection>(UPSTREAM).emulator!;
        const exchanges = emulator.requestCount;
        const limited = await login(sample, person);
        expect(limited.status).toBe(429);
        expect(limited.body).toEqual({ statusCode: 429, message: expect.stringMatching(/Too many login attempts/), error: 'Too Many Requests' });
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        // Refused before the guard: a flood never reaches Authing.
        expect(emulator.requestCount).toBe(exchanges);
        for (let i = 0; i < 5; i++) expect((await sample.http.get('/auth/app2wxapp/launch')).status).toBe(200);
      });

      it('makes one row of 20 concurrent first logins of one person, counting 20', async () => {
        const sample = await start({ LOGIN_RATE_LIMIT_PER_MINUTE: '100' });
        const person = newPerson('Concurrent');
        const tickets = await Promise.all(Array.from({ length: 20 }, () => mintTicket(sample, person)));
        const answers = await Promise.all(tickets.map((ticket) => sample.http.post(LOGIN, { ticket })));
        expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
        expect(new Set(answers.map((answer) => answer.body.user.id)).size).toBe(1);
        expect(answers.map((answer) => answer.body.user.loginCount).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        const rows = await sample.app
          .get<Database>(DATABASE)
          .query<{ login_count: number }>('SELECT login_count FROM users WHERE unionid = $1', [person.unionid]);
        expect(rows).toEqual([{ login_count: 20 }]);
      });

      it('keeps users and sessions across a restart on the same database', async () => {
        const first = await start();
        const person = newPerson('Persistent');
        const { body } = await login(first, person);
        await stop(first);

        const second = await start();
        const me = await second.http.get('/me', bearer(body.accessToken));
        expect(me.status).toBe(200);
        expect(me.body).toMatchObject({ id: body.user.id, loginCount: 1, nickname: 'Persistent' });
        const again = await login(second, person);
        expect(again.body.user).toMatchObject({ id: body.user.id, loginCount: 2 });
      });

      it('validates the fake WeChat person with 400', async () => {
        const sample = await start();
        const bad: unknown[] = [{ nickname: 5 }, { unionid: ['x'] }, { phone: 'call me' }, { unknown: 1 }, '"text"', '[1]'];
        for (const body of bad) {
          const answer = await sample.http.post(MINT, body);
          expect({ body, status: answer.status }).toEqual({ body, status: 400 });
        }
        expect((await sample.http.post(MINT, {})).status).toBe(201);
      });

      it('reports health and the emulator mode', async () => {
        const sample = await start();
        const health = await sample.http.get('/health');
        expect(health.status).toBe(200);
        expect(health.body).toEqual({ status: 'ok', database: 'up', upstream: 'up', mode: 'emulator' });
      });

      it('says EMULATOR MODE in the boot log and never logs a ticket or a token', async () => {
        const sample = await start();
        const ticket = await mintTicket(sample, newPerson());
        const { body } = await sample.http.post(LOGIN, { ticket });
        await sample.http.post(LOGIN, { ticket }); // a refused replay logs a warning
        expect(sample.logs.lines).toContainEqual(
          expect.objectContaining({ level: 'warn', message: expect.stringContaining('EMULATOR MODE — no real Authing') }),
        );
        const logs = sample.logs.text;
        for (const secret of [ticket, body.accessToken, ticket.split('.')[2], body.accessToken.split('.')[2]]) {
          expect(logs).not.toContain(secret);
        }
      });

      it('serves the demo page with a strict Content-Security-Policy', async () => {
        const sample = await start();
        const page = await fetch(`${sample.url}/`);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[^']+'/);
        const html = await page.text();
        expect(html).toContain('id="authorize"');
        expect(html).toContain('Authorize in the mini program (emulated)');
      });
    });

    describe('in emulator mode, app-launch flow (AUTHING_FLOW=app-launch)', () => {
      it("says which flow it runs, and launches the customer's own mini program with no path", async () => {
        const sample = await start(APP_LAUNCH);
        const launch = await sample.http.get('/auth/app2wxapp/launch');
        expect(launch.status).toBe(200);
        expect(launch.body).toEqual({ flow: 'app-launch', userName: null, miniProgramType: 'release' });
        const named = await start({ ...APP_LAUNCH, MINI_PROGRAM_ORIGINAL_ID: 'gh_0123456789ab', MINI_PROGRAM_TYPE: 'trial' });
        expect((await named.http.get('/auth/app2wxapp/launch')).body).toEqual({
          flow: 'app-launch',
          userName: 'gh_0123456789ab',
          miniProgramType: 'preview',
        });
      });

      it('logs in with the raw extMsg JSON, fills the users row from the v3 profile, and answers /me', async () => {
        const sample = await start(APP_LAUNCH);
        const person = newPerson('Lucy');
        const upstream = sample.app.get<UpstreamConnection>(UPSTREAM);
        const codes = await mintCodes(sample, person);
        expect(JSON.parse(codes.extMsg)).toEqual({ code: codes.code, phoneInfoCode: codes.phoneInfoCode });

        const first = await sample.http.post(LOGIN, { extMsg: codes.extMsg });
        expect(first.status).toBe(200);
        expect(first.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
        const user = first.body.user;
        expect(user).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          // Keyed by the Authing (v3) user id, as in the ticket flow.
          authingId: upstream.emulator!.appLaunch.userId(person.unionid),
          unionid: person.unionid,
          openid: expect.any(String),
          nickname: 'Lucy',
          avatar: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/avatars\/[0-9a-f]{24}\.svg$/),
          phone: person.phone,
          loginCount: 1,
          createdAt: expect.any(String),
          lastLoginAt: expect.any(String),
        });
        expect(first.body.profile).toMatchObject({
          id: user.authingId,
          flow: 'app-launch',
          nickname: 'Lucy',
          unionid: person.unionid,
          phone: person.phone,
        });
        for (const hidden of ['token', 'tokens', 'raw']) expect(first.body.profile).not.toHaveProperty(hidden);

        const me = await sample.http.get('/me', bearer(first.body.accessToken));
        expect(me.status).toBe(200);
        expect(me.body).toEqual(user);

        // The JSON body form, as an app that parsed extMsg itself sends it: the same person, one more login.
        const again = await mintCodes(sample, { unionid: person.unionid });
        const second = await sample.http.post(LOGIN, { code: again.code, phoneInfoCode: again.phoneInfoCode });
        expect(second.status).toBe(200);
        expect(second.body.user).toMatchObject({ id: user.id, authingId: user.authingId, loginCount: 2, nickname: 'Lucy' });

        // The sign-in carried the made-up app's credentials (client_secret_post) and its connection.
        const signin = upstream.emulator!.requests.filter((request) => request.path === '/api/v3/signin-by-mobile');
        expect(signin).toHaveLength(2);
        expect(signin[0].body).toMatchObject({
          connection: 'wechat_mini_program_code_and_phone',
          extIdpConnidentifier: 'sample-app-launch',
          client_id: 'sample-emulator-app',
        });
      });

      it('refuses replayed codes with 401 and keeps the count, logging the refusal but no code', async () => {
        const sample = await start(APP_LAUNCH);
        const person = newPerson();
        const codes = await mintCodes(sample, person);
        const first = await sample.http.post(LOGIN, { extMsg: codes.extMsg });
        expect(first.status).toBe(200);
        const warningsBefore = sample.logs.lines.filter((line) => line.level === 'warn').length;
        for (const body of [{ extMsg: codes.extMsg }, { code: codes.code, phoneInfoCode: codes.phoneInfoCode }]) {
          const replay = await sample.http.post(LOGIN, body);
          expect(replay.status).toBe(401);
          expect(replay.body.message).toMatch(/already been used/);
          expect(JSON.stringify(replay.body)).not.toContain(codes.code);
        }
        expect(sample.logs.lines.filter((line) => line.level === 'warn').length).toBeGreaterThan(warningsBefore);
        expect((await sample.http.post(LOGIN, { extMsg: (await mintCodes(sample, person)).extMsg })).body.user.loginCount).toBe(2);
        for (const secret of [codes.code, codes.phoneInfoCode, first.body.accessToken]) expect(sample.logs.text).not.toContain(secret);
      });

      it('refuses a missing phone code, a ticket and garbage with 401, without calling Authing', async () => {
        const sample = await start(APP_LAUNCH);
        const emulator = sample.app.get<UpstreamConnection>(UPSTREAM).emulator!;
        const codes = await mintCodes(sample, newPerson());
        const before = emulator.requestCount;
        const refused: unknown[] = [
          { extMsg: JSON.stringify({ code: codes.code }) },
          { extMsg: JSON.stringify({ errMsg: 'getPhoneNumber:fail user deny' }) },
          { code: codes.code },
          { ticket: 'eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2lnbmF0dXJl' },
          { extMsg: 'code=200&message=授权成功&ticket=abc' },
          { extMsg: '{not json' },
          {},
        ];
        for (const body of refused) {
          const answer = await sample.http.post(LOGIN, body);
          expect({ body, status: answer.status }).toEqual({ body, status: 401 });
        }
        expect(emulator.requestCount).toBe(before);
        // The codes were not spent by the refusals.
        expect((await sample.http.post(LOGIN, { extMsg: codes.extMsg })).status).toBe(200);
      });

      it('mints codes only, validating the fake WeChat person with 400', async () => {
        const sample = await start(APP_LAUNCH);
        expect((await sample.http.post(MINT, {})).status).toBe(404);
        const bad: unknown[] = [{ nickname: 5 }, { unionid: ['x'] }, { phone: 'call me' }, { unknown: 1 }, '"text"', '[1]'];
        for (const body of bad) {
          const answer = await sample.http.post(MINT_CODES, body);
          expect({ body, status: answer.status }).toEqual({ body, status: 400 });
        }
        expect((await sample.http.post(MINT_CODES, {})).status).toBe(201);
      });

      it('reports health and the emulator mode, and says EMULATOR MODE with the code mint in the boot log', async () => {
        const sample = await start(APP_LAUNCH);
        const health = await sample.http.get('/health');
        expect(health.status).toBe(200);
        expect(health.body).toEqual({ status: 'ok', database: 'up', upstream: 'up', mode: 'emulator' });
        expect(sample.logs.lines).toContainEqual(
          expect.objectContaining({ level: 'warn', message: expect.stringContaining('EMULATOR MODE — no real Authing: app-launch') }),
        );
        const appSecret = (sample.app.get<UpstreamConnection>(UPSTREAM) as AppLaunchUpstream).appSecret!;
        expect(sample.logs.text).not.toContain(appSecret);
      });

      it('has no code mint in the ticket flow', async () => {
        const sample = await start();
        expect((await sample.http.post(MINT_CODES, {})).status).toBe(404);
      });
    });

    describe('with a real Authing configured', () => {
      let authing: App2WxappEmulator;
      const secret = randomBytes(16).toString('hex');

      beforeAll(async () => {
        // Stands in for Authing: the sample must treat it as the real thing, with its pool id and secret.
        authing = await App2WxappEmulator.start({ userPoolId: 'real-pool-0001', secret });
      });

      afterAll(async () => {
        await authing?.close();
      });

      const authingEnv = () => ({
        AUTHING_USER_POOL_ID: 'real-pool-0001',
        AUTHING_USER_POOL_SECRET: secret,
        AUTHING_HOST: authing.url,
      });

      it('has no /dev/emulator/tickets route, and logs in through the configured host', async () => {
        const sample = await start(authingEnv());
        expect((await sample.http.post(MINT, {})).status).toBe(404);
        const launch = await sample.http.get('/auth/app2wxapp/launch');
        expect(launch.body.path).toContain('userPoolId=real-pool-0001');

        const person = newPerson('Real');
        const answer = await sample.http.post(LOGIN, { ticket: authing.issueTicket(person) });
        expect(answer.status).toBe(200);
        expect(answer.body.user).toMatchObject({ unionid: person.unionid, loginCount: 1 });
        expect(authing.requests.at(-1)?.body).toMatchObject({ secret });

        expect(sample.logs.text).not.toContain('EMULATOR MODE');
        const health = await sample.http.get('/health');
        expect(health.body).toEqual({ status: 'ok', database: 'up', upstream: 'up', mode: 'authing' });
      });

      it("reports the upstream as down while the login pool's circuit is open, with 503", async () => {
        const sample = await start(authingEnv());
        authing.failNext('http500', 5); // the default threshold
        for (let i = 0; i < 5; i++) {
          expect((await sample.http.post(LOGIN, { ticket: authing.issueTicket(newPerson()) })).status).toBe(502);
        }
        const before = authing.requestCount;
        const health = await sample.http.get('/health');
        expect(health.status).toBe(503);
        expect(health.body).toEqual({ status: 'degraded', database: 'up', upstream: 'down', mode: 'authing' });
        expect(authing.requestCount).toBe(before); // the check sent no exchange
        expect(sample.logs.lines).toContainEqual(
          expect.objectContaining({ level: 'warn', message: expect.stringContaining('Circuit of pool default opened') }),
        );
      });

      it('exchanges without the pool secret when AUTHING_EXCHANGE_WITHOUT_SECRET=true', async () => {
        authing.addPool({ userPoolId: 'open-pool-0001', requireSecret: false });
        const sample = await start({ AUTHING_USER_POOL_ID: 'open-pool-0001', AUTHING_EXCHANGE_WITHOUT_SECRET: 'true', AUTHING_HOST: authing.url });
        const person = newPerson('Open');
        const answer = await sample.http.post(LOGIN, { ticket: authing.issueTicket(person, { userPoolId: 'open-pool-0001' }) });
        expect(answer.status).toBe(200);
        expect(answer.body.user).toMatchObject({ unionid: person.unionid, loginCount: 1 });
        expect(authing.requests.at(-1)?.body).not.toHaveProperty('secret');
        expect(sample.logs.lines).toContainEqual(
          expect.objectContaining({ level: 'warn', message: expect.stringContaining('AUTHING_EXCHANGE_WITHOUT_SECRET=true') }),
        );
      });

      it('reports an unreachable upstream as down, with 503', async () => {
        const closed = await App2WxappEmulator.start({ userPoolId: 'gone' });
        const deadUrl = closed.url;
        await closed.close();
        const sample = await start({ ...authingEnv(), AUTHING_HOST: deadUrl });
        const health = await sample.http.get('/health');
        expect(health.status).toBe(503);
        expect(health.body).toEqual({ status: 'degraded', database: 'up', upstream: 'down', mode: 'authing' });
      });
    });

    describe('with a real Authing configured, app-launch flow', () => {
      let authing: App2WxappEmulator;
      const appSecret = randomBytes(16).toString('hex');

      beforeAll(async () => {
        // Stands in for Authing's v3 API: an app with client_secret_basic, on a connection of its own.
        authing = await App2WxappEmulator.start({
          userPoolId: 'real-pool-0002',
          apps: [{ appId: 'real-app-0002', appSecret, connection: 'my-app-launch', clientAuth: 'client_secret_basic' }],
        });
      });

      afterAll(async () => {
        await authing?.close();
      });

      const authingEnv = () => ({
        AUTHING_FLOW: 'app-launch',
        AUTHING_USER_POOL_ID: 'real-pool-0002',
        AUTHING_APP_ID: 'real-app-0002',
        AUTHING_APP_SECRET: appSecret,
        AUTHING_APP_HOST: authing.url,
        AUTHING_CONNECTION: 'my-app-launch',
        AUTHING_CLIENT_AUTH: 'client_secret_basic',
      });

      it('has no mint, and signs in through the configured app with its credentials', async () => {
        const sample = await start(authingEnv());
        expect((await sample.http.post(MINT_CODES, {})).status).toBe(404);
        expect((await sample.http.post(MINT, {})).status).toBe(404);
        expect((await sample.http.get('/auth/app2wxapp/launch')).body).toEqual({ flow: 'app-launch', userName: null, miniProgramType: 'release' });

        const person = newPerson('Real Launch');
        const codes = authing.issueCodes(person, { appId: 'real-app-0002' });
        const answer = await sample.http.post(LOGIN, { extMsg: codes.extMsg });
        expect(answer.status).toBe(200);
        expect(answer.body.user).toMatchObject({ authingId: codes.userId, unionid: person.unionid, phone: person.phone, loginCount: 1 });
        const signin = authing.requests.filter((request) => request.path === '/api/v3/signin-by-mobile').at(-1)!;
        expect(signin.headers.authorization).toBe(`Basic ${Buffer.from(`real-app-0002:${appSecret}`).toString('base64')}`);
        expect(signin.body).toMatchObject({ extIdpConnidentifier: 'my-app-launch' });
        expect(signin.body).not.toHaveProperty('client_secret');

        expect(sample.logs.text).not.toContain('EMULATOR MODE');
        for (const secret of [appSecret, codes.code, codes.phoneInfoCode]) expect(sample.logs.text).not.toContain(secret);
        const health = await sample.http.get('/health');
        expect(health.body).toEqual({ status: 'ok', database: 'up', upstream: 'up', mode: 'authing' });
      });

      it('answers a wrong app secret with 500 and logs it at ERROR, naming the option but not the secret', async () => {
        const wrong = randomBytes(16).toString('hex');
        const sample = await start({ ...authingEnv(), AUTHING_APP_SECRET: wrong });
        const codes = authing.issueCodes(newPerson(), { appId: 'real-app-0002' });
        const answer = await sample.http.post(LOGIN, { extMsg: codes.extMsg });
        expect(answer.status).toBe(500);
        expect(JSON.stringify(answer.body)).not.toContain(wrong);
        expect(sample.logs.lines).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringContaining('appSecret') }));
        expect(sample.logs.text).not.toContain(wrong);
      });
    });
  });
}
