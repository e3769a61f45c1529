import { Body, Controller, ForbiddenException, HttpCode, Injectable, Module, Post, ServiceUnavailableException } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import {
  App2WxappClient,
  App2WxappModule,
  type App2WxappModuleOptions,
  type App2WxappProfile,
  InjectApp2WxappOptions,
  MemoryTicketReplayStore,
} from 'nestjs-app2wxapp';
import { App2WxappEmulator, type EmulatorResponseShape } from 'nestjs-app2wxapp/testing';
import { CapturedLogs } from './support/captured-logs';
import { ADAPTERS, startApp, startWithOptions } from './support/test-app';

const POOL = 'pool-wiring';
const SECRET = 'wiring-secret-91b2';

/** The app's own persistence, as a user of the module would write it. */
@Injectable()
class UsersService {
  readonly rows = new Map<string, { id: number; authingId: string; nickname?: string; logins: number }>();
  async upsert(profile: App2WxappProfile) {
    const row = this.rows.get(profile.id) ?? { id: this.rows.size + 1, authingId: profile.id, logins: 0 };
    row.nickname = profile.nickname;
    row.logins++;
    this.rows.set(profile.id, row);
    return row;
  }
}

@Module({ providers: [UsersService], exports: [UsersService] })
class UsersModule {}

/** An app that calls the client itself, e.g. from a GraphQL resolver. */
@Controller()
class DirectController {
  constructor(
    private readonly client: App2WxappClient,
    @InjectApp2WxappOptions() private readonly options: App2WxappModuleOptions,
  ) {}

  @Post('direct')
  @HttpCode(200)
  async direct(@Body() body: { ticket: string }) {
    const profile = await this.client.exchangeTicket(body.ticket);
    return { id: profile.id, pool: this.options.userPoolId };
  }
}

describe.each(ADAPTERS)('module wiring on %s', (adapter) => {
  let emulator: App2WxappEmulator;
  const base = () => ({ userPoolId: POOL, secret: SECRET, host: emulator.url });

  beforeAll(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
  });
  afterAll(() => emulator.close());

  it('forRootAsync: validateUser calls an injected app service, and its answer is request.user', async () => {
    const running = await startApp(adapter, [
      UsersModule,
      ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ AUTHING_POOL: POOL, AUTHING_SECRET: SECRET, AUTHING_HOST: emulator.url })] }),
      App2WxappModule.forRootAsync({
        imports: [UsersModule, ConfigModule],
        inject: [UsersService, ConfigService],
        useFactory: (users: UsersService, config: ConfigService) => ({
          userPoolId: config.getOrThrow('AUTHING_POOL'),
          secret: config.getOrThrow('AUTHING_SECRET'),
          host: config.getOrThrow('AUTHING_HOST'),
          validateUser: (profile) => users.upsert(profile),
        }),
      }),
    ]);
    try {
      const users = running.app.get(UsersService);
      const first = await running.post('/login', { ticket: emulator.issueTicket({ unionid: 'oWiring1', nickname: 'Ada' }) });
      expect(first.status).toBe(200);
      expect(first.body.user).toEqual({ id: 1, authingId: emulator.userId('oWiring1'), nickname: 'Ada', logins: 1 });
      const second = await running.post('/login', { ticket: emulator.issueTicket({ unionid: 'oWiring1', nickname: 'Ada L.' }) });
      expect(second.body.user).toEqual({ id: 1, authingId: emulator.userId('oWiring1'), nickname: 'Ada L.', logins: 2 });
      expect(users.rows.size).toBe(1);
    } finally {
      await running.close();
    }
  });

  it.each([null, undefined, false])('401 when validateUser answers %p', async (answer) => {
    const running = await startWithOptions(adapter, { ...base(), validateUser: () => answer });
    try {
      const res = await running.post('/login', { ticket: emulator.issueTicket() });
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/may not log in/);
    } finally {
      await running.close();
    }
  });

  it("answers validateUser's own HttpException as is", async () => {
    const running = await startWithOptions(adapter, {
      ...base(),
      validateUser: () => {
        throw new ForbiddenException('Your account is suspended in this app');
      },
    });
    try {
      const res = await running.post('/login', { ticket: emulator.issueTicket() });
      expect(res.status).toBe(403);
      expect(res.body.message).toBe('Your account is suspended in this app');
    } finally {
      await running.close();
    }
  });

  it('500 when validateUser crashes; the claim stays, because Authing has spent the ticket: a retry is "already used" without an exchange', async () => {
    let calls = 0;
    const running = await startWithOptions(adapter, {
      ...base(),
      validateUser: (profile) => {
        if (++calls === 1) throw new Error(`database down for ${profile.id}`);
        return { id: profile.id };
      },
    });
    try {
      const ticket = emulator.issueTicket();
      const crashed = await running.post('/login', { ticket });
      expect(crashed.status).toBe(500);
      expect(crashed.text).not.toContain('database down');
      const again = await running.post('/login', { ticket });
      expect([again.status, again.body.message]).toEqual([401, 'This ticket has already been used']);
      expect(emulator.requests.filter((r) => (r.body as { ticket?: string })?.ticket === ticket)).toHaveLength(1);
    } finally {
      await running.close();
    }
  });

  it("passes validateUser's 5xx HttpException on as is; the claim stays (the ticket is spent at Authing)", async () => {
    let calls = 0;
    const running = await startWithOptions(adapter, {
      ...base(),
      replayStore: new MemoryTicketReplayStore(),
      validateUser: (profile) => {
        if (++calls === 1) throw new ServiceUnavailableException('User database is down');
        return { id: profile.id };
      },
    });
    try {
      const ticket = emulator.issueTicket();
      const first = await running.post('/login', { ticket });
      expect([first.status, first.body.message]).toEqual([503, 'User database is down']);
      const again = await running.post('/login', { ticket });
      expect([again.status, again.body.message]).toEqual([401, 'This ticket has already been used']);
      expect(emulator.requests.filter((r) => (r.body as { ticket?: string })?.ticket === ticket)).toHaveLength(1);
    } finally {
      await running.close();
    }
  });

  it.each(['string', 'object', 'bare'] as EmulatorResponseShape[])('reads the %s answer shape end to end', async (shape) => {
    emulator.setResponseShape(shape);
    const running = await startWithOptions(adapter, base());
    try {
      const res = await running.post('/login', { ticket: emulator.issueTicket({ unionid: 'oShape', nickname: 'Shape' }) });
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ id: emulator.userId('oShape'), nickname: 'Shape', city: 'Shenzhen', gender: 0 });
    } finally {
      emulator.reset();
      await running.close();
    }
  });

  it('lets blocked users in with allowBlockedUsers, but never deleted ones', async () => {
    const running = await startWithOptions(adapter, { ...base(), allowBlockedUsers: true });
    try {
      emulator.blockUser('oBlockedOk');
      const res = await running.post('/login', { ticket: emulator.issueTicket({ unionid: 'oBlockedOk' }) });
      expect(res.status).toBe(200);
      expect(res.body.user.blocked).toBe(true);
      emulator.deleteUser('oDeletedNo');
      expect((await running.post('/login', { ticket: emulator.issueTicket({ unionid: 'oDeletedNo' }) })).status).toBe(403);
    } finally {
      await running.close();
    }
  });

  it('uses a custom ticketExtractor', async () => {
    const running = await startWithOptions(adapter, { ...base(), ticketExtractor: (req) => req.headers['x-custom-ticket'] });
    try {
      expect((await running.post('/login', undefined, { 'x-custom-ticket': emulator.issueTicket() })).status).toBe(200);
      expect((await running.post('/login', { ticket: emulator.issueTicket() })).status).toBe(401);
    } finally {
      await running.close();
    }
  });

  it('replayStore false leaves single use to Authing', async () => {
    const running = await startWithOptions(adapter, { ...base(), replayStore: false });
    try {
      const ticket = emulator.issueTicket();
      expect((await running.post('/login', { ticket })).status).toBe(200);
      const replay = await running.post('/login', { ticket });
      expect(replay.status).toBe(401);
      expect(replay.body.message).toMatch(/已被使用/);
    } finally {
      await running.close();
    }
  });

  it('works with a pool that needs no secret', async () => {
    const open = await App2WxappEmulator.start({ userPoolId: 'open-pool', requireSecret: false });
    const running = await startWithOptions(adapter, { userPoolId: 'open-pool', exchangeWithoutSecret: true, host: open.url });
    try {
      expect((await running.post('/login', { ticket: open.issueTicket() })).status).toBe(200);
      expect(open.requests[0].body).toEqual({ ticket: expect.any(String) });
    } finally {
      await running.close();
      await open.close();
    }
  });

  it("a wrong secret is the operator's mistake: 500 without Authing's message, an ERROR naming the option, the ticket still good", async () => {
    const running = await startWithOptions(adapter, { ...base(), secret: 'not-the-secret' });
    const logs = new CapturedLogs();
    running.app.useLogger(logs);
    try {
      const ticket = emulator.issueTicket();
      const res = await running.post('/login', { ticket });
      expect(res.status).toBe(500);
      expect(res.body.message).toBe("Login is unavailable: this server's Authing settings are wrong (the operator has been told)");
      expect(res.text).not.toContain('not-the-secret');
      expect(res.text).not.toContain('2003');
      const problems = logs.takeProblems();
      expect(problems).toEqual([
        {
          level: 'error',
          context: 'App2Wxapp',
          message: expect.stringMatching(
            /^Login is misconfigured \(pool default, ticket #[0-9a-f]{12}\): Authing says the user pool secret is wrong \(code 2003\): check the option "secret"/,
          ),
        },
      ]);
      expect(problems[0].message).not.toContain('not-the-secret');
      // Authing refused the credentials before it looked at the ticket, so the claim was freed.
      const again = await running.post('/login', { ticket });
      expect(again.body.message).not.toMatch(/already been used/);
      logs.takeProblems();
    } finally {
      await running.close();
    }
  });

  it('exposes App2WxappClient and the options to the app; isGlobal and extraProviders work', async () => {
    const running = await startApp(
      adapter,
      [App2WxappModule.forRootAsync({ isGlobal: true, useFactory: () => base(), extraProviders: [{ provide: 'EXTRA', useValue: 42 }] })],
      { controllers: [DirectController] },
    );
    try {
      const res = await running.post('/direct', { ticket: emulator.issueTicket({ unionid: 'oDirect' }) });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: emulator.userId('oDirect'), pool: POOL });
      const refused = await running.post('/direct', { ticket: 'eyJ.unknown.ticket' });
      expect(refused.status).toBe(401);
      expect(running.app.get('EXTRA', { strict: false })).toBe(42);
    } finally {
      await running.close();
    }
  });
});
