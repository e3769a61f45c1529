import { Controller, HttpCode, Injectable, Post, UseGuards } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { type App2WxappLoginInfo, type App2WxappProfile, App2WxappUser } from 'nestjs-app2wxapp';
import type { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { ExtractJwt, Strategy as JwtPassportStrategy } from 'passport-jwt';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app';
import { startTwoEmulators, type TwoEmulators, twoPoolModules } from './support/two-pools';

const JWT_SECRET = 'passport-e2e-jwt-secret-5b0e';

/** The app's own session token, the usual first strategy of a composition. */
@Injectable()
class JwtStrategy extends PassportStrategy(JwtPassportStrategy, 'jwt') {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: JWT_SECRET });
  }

  validate(payload: { sub: string }) {
    return { via: 'jwt', sub: payload.sub };
  }
}

@Controller('passport')
class PassportController {
  @Post('default')
  @HttpCode(200)
  @UseGuards(AuthGuard('app2wxapp'))
  byDefault(@App2WxappUser() user: unknown) {
    return { user };
  }

  @Post('genauth')
  @HttpCode(200)
  @UseGuards(AuthGuard('app2wxapp:genauth'))
  genauth(@App2WxappUser() user: unknown) {
    return { user };
  }

  @Post('composed')
  @HttpCode(200)
  @UseGuards(AuthGuard(['jwt', 'app2wxapp']))
  composed(@App2WxappUser() user: unknown) {
    return { user };
  }
}

const validateUser = (profile: App2WxappProfile, _request: unknown, { pool }: App2WxappLoginInfo) => ({ via: 'app2wxapp', pool, id: profile.id });

// Passport's registry is process-wide: one app at a time (booted per test), so its strategies are the ones in use.
describe.each(ADAPTERS)('Passport guards on %s', (adapter) => {
  let emulators: TwoEmulators;
  let running: RunningApp;
  const breaker = { threshold: 2, cooldownMs: 60_000 };

  beforeAll(async () => {
    emulators = await startTwoEmulators();
  });
  afterAll(() => emulators.close());
  beforeEach(async () => {
    emulators.reset();
    running = await startApp(
      adapter,
      twoPoolModules(emulators, { validateUser, circuitBreaker: breaker }, { validateUser, circuitBreaker: breaker }),
      {
        controllers: [PassportController],
        providers: [JwtStrategy],
      },
    );
  });
  afterEach(() => running.close());

  describe.each([
    ["AuthGuard('app2wxapp')", '/passport/default', 'default', (e: TwoEmulators) => e.a],
    ["AuthGuard('app2wxapp:genauth')", '/passport/genauth', 'genauth', (e: TwoEmulators) => e.b],
  ])('%s answers the statuses of App2WxappGuard', (_guard, path, pool, emulatorOf: (e: TwoEmulators) => App2WxappEmulator) => {
    let emulator: App2WxappEmulator;
    beforeEach(() => (emulator = emulatorOf(emulators)));

    it('200, then 401 with our reason on a replay', async () => {
      const ticket = emulator.issueTicket({ unionid: 'oPassport' });
      const res = await running.post(path, { ticket });
      expect([res.status, res.body.user]).toEqual([200, { via: 'app2wxapp', pool, id: emulator.userId('oPassport') }]);
      const replay = await running.post(path, { ticket });
      expect([replay.status, replay.body.message]).toEqual([401, 'This ticket has already been used']);
      expect(emulator.requestCount).toBe(1);
    });

    it('403 for a blocked user', async () => {
      emulator.blockUser('oPassportBlocked');
      const res = await running.post(path, { ticket: emulator.issueTicket({ unionid: 'oPassportBlocked' }) });
      expect([res.status, res.body.message]).toEqual([403, 'This user is blocked in Authing']);
    });

    it('502 for an upstream 500; 503 once the circuit is open', async () => {
      emulator.failNext('http500', 2);
      for (let i = 0; i < 2; i++) expect((await running.post(path, { ticket: emulator.issueTicket() })).status).toBe(502);
      const open = await running.post(path, { ticket: emulator.issueTicket() });
      expect(open.status).toBe(503);
      expect(open.body.message).toMatch(/Authing is failing; logins are paused/);
      // Passport hands the strategy the request only: Express links it to its response, Fastify does not.
      expect(open.headers.get('retry-after')).toEqual(adapter === 'express' ? expect.stringMatching(/^\d+$/) : null);
      expect(emulator.requestCount).toBe(2);
    });
  });

  describe("AuthGuard(['jwt', 'app2wxapp'])", () => {
    const bearer = (sub: string, secret = JWT_SECRET) => ({ authorization: `Bearer ${new JwtService({ secret }).sign({ sub })}` });

    it('a valid bearer logs in through jwt, and Authing is not called', async () => {
      const res = await running.post('/passport/composed', { ticket: emulators.a.issueTicket() }, bearer('user-1'));
      expect([res.status, res.body.user]).toEqual([200, { via: 'jwt', sub: 'user-1' }]);
      expect(emulators.a.requestCount).toBe(0);
    });

    it.each([
      ['no bearer', {}],
      ['a bearer signed with another key', bearer('user-1', 'another-key')],
    ])('%s and a ticket logs in through app2wxapp', async (_case, headers: Record<string, string>) => {
      const res = await running.post('/passport/composed', { ticket: emulators.a.issueTicket({ unionid: 'oComposed' }) }, headers);
      expect([res.status, res.body.user]).toEqual([200, { via: 'app2wxapp', pool: 'default', id: emulators.a.userId('oComposed') }]);
    });

    it("neither: Passport's bare 401, and Authing is not called", async () => {
      const res = await running.post('/passport/composed', {});
      expect([res.status, res.body]).toEqual([401, { statusCode: 401, message: 'Unauthorized' }]);
      expect(emulators.a.requestCount).toBe(0);
    });

    it('a replayed ticket: 401 with our reason, not the bare one', async () => {
      const ticket = emulators.a.issueTicket();
      expect((await running.post('/passport/composed', { ticket })).status).toBe(200);
      const replay = await running.post('/passport/composed', { ticket });
      expect([replay.status, replay.body.message]).toEqual([401, 'This ticket has already been used']);
      expect(emulators.a.requestCount).toBe(1);
    });
  });
});
