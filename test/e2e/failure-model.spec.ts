import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { TerminusModule } from '@nestjs/terminus';
import {
  App2WxappModule,
  type App2WxappModuleOptions,
  type App2WxappProfile,
  MemoryTicketReplayStore,
  RedisTicketReplayStore,
  type RedisTicketReplayClient,
} from 'nestjs-app2wxapp';
import { App2WxappHealthIndicator, App2WxappHealthModule } from 'nestjs-app2wxapp/health';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { CapturedLogs, type LogEntry } from './support/captured-logs';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app';

const POOL = 'failure-model-pool';
const SECRET = 'failure-model-secret-7c1f9a';

/** The Passport route beside the guard's `/login`, to check that both entries apply the same rules. */
@Controller()
class PassportLoginController {
  @Post('passport-login')
  @HttpCode(200)
  @UseGuards(AuthGuard('app2wxapp'))
  login(@Req() request: { user: unknown }) {
    return { user: request.user };
  }
}

const garbage = (i: number) => `eyJnYXJiYWdl.${i}.${Math.random().toString(36).slice(2)}`;

describe.each(ADAPTERS)('the failure model on %s', (adapter) => {
  let emulator: App2WxappEmulator;
  let running: RunningApp | undefined;
  let logs: CapturedLogs;

  beforeAll(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  async function start(options: Partial<App2WxappModuleOptions<any>> = {}): Promise<RunningApp> {
    logs = new CapturedLogs();
    running = await startApp(
      adapter,
      [App2WxappModule.forRoot({ userPoolId: POOL, secret: SECRET, host: emulator.url, ...options }), TerminusModule, App2WxappHealthModule],
      { controllers: [PassportLoginController] },
      (app) => app.useLogger(logs),
    );
    return running;
  }

  const health = () => running!.app.get(App2WxappHealthIndicator).isHealthy('app2wxapp');
  const problems = (): LogEntry[] => logs.takeProblems();

  describe('the breaker measures Authing, not our own queue (defect 1)', () => {
    it('a burst of garbage tickets at a slow Authing does not open the circuit: the next real user logs in, health stays up', async () => {
      emulator.setLatency(600);
      const app = await start({ timeoutMs: 1000, maxConcurrentExchanges: 5, circuitBreaker: { threshold: 5, cooldownMs: 60_000 } });
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => app.post('/login', { ticket: garbage(i) })));
      const statuses = answers.map((a) => a.status).sort();
      // Five were refused by Authing; five waited in our queue and ran out of time (504) or were not sent (503).
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      for (const status of statuses.slice(5)) expect([503, 504]).toContain(status);
      const real = await app.post('/login', { ticket: emulator.issueTicket({ unionid: 'oAfterBurst' }) });
      expect([real.status, real.body.user?.id]).toEqual([200, emulator.userId('oAfterBurst')]);
      expect(await health()).toEqual({ app2wxapp: { status: 'up', pool: 'default', circuit: 'closed' } });
      problems();
    });

    it('five HTTP 500s still open the circuit (503 with Retry-After, Authing not called), and health says so', async () => {
      const app = await start({ circuitBreaker: { threshold: 5, cooldownMs: 60_000 } });
      emulator.failNext('http500', 5);
      for (let i = 0; i < 5; i++) expect((await app.post('/login', { ticket: emulator.issueTicket() })).status).toBe(502);
      const before = emulator.requestCount;
      const paused = await app.post('/login', { ticket: emulator.issueTicket() });
      expect([paused.status, paused.body.message]).toEqual([503, 'Authing is failing; logins are paused briefly']);
      expect(Number(paused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(emulator.requestCount).toBe(before);
      expect(await health()).toMatchObject({ app2wxapp: { status: 'down', circuit: 'open' } });
      expect(problems().some((p) => /Circuit of pool default opened after 5 upstream failures/.test(p.message))).toBe(true);
    });

    it('an Authing that never answers still opens the circuit', async () => {
      const app = await start({ timeoutMs: 400, circuitBreaker: { threshold: 2, cooldownMs: 60_000 } });
      emulator.failNext('hang', 2);
      for (let i = 0; i < 2; i++) expect((await app.post('/login', { ticket: emulator.issueTicket() })).status).toBe(504);
      expect((await app.post('/login', { ticket: emulator.issueTicket() })).status).toBe(503);
      problems();
    });
  });

  describe('only a 2xx answer holds a user (defect 2)', () => {
    it.each([
      ['401 with a bare user', { status: 401, body: { _id: '5e57b3c2d5b4a1d2e3f40001' } }],
      ['403 with an envelope holding a user', { status: 403, body: { code: 200, data: { _id: '5e57b3c2d5b4a1d2e3f40002' } } }],
      ['400 with a string-encoded user', { status: 400, body: { code: '200', data: JSON.stringify({ _id: '5e57b3c2d5b4a1d2e3f40003' }) } }],
    ])('%s is a refusal (401), never a login', async (_name, fault) => {
      const app = await start();
      emulator.failNext(fault);
      const res = await app.post('/login', { ticket: emulator.issueTicket() });
      expect(res.status).toBe(401);
      expect(res.body.user).toBeUndefined();
      expect(res.body.message).toMatch(/^Authing refused the ticket: .*HTTP 40[013]/);
      problems();
    });
  });

  it('refused tickets free their claim: many more than the store holds, then a real user logs in (defect 3)', async () => {
    const store = new MemoryTicketReplayStore({ maxEntries: 5 });
    const app = await start({ replayStore: store });
    for (let i = 0; i < 20; i++) expect((await app.post('/login', { ticket: garbage(i) })).status).toBe(401);
    expect(store.size).toBe(0);
    const real = await app.post('/login', { ticket: emulator.issueTicket() });
    expect(real.status).toBe(200);
    expect(store.size).toBe(1);
    problems();
  });

  it('a claim that lands after the deadline is freed when it lands: the retry logs in (defect 5)', async () => {
    const keys = new Map<string, string>();
    let stallNext = true;
    let landed!: Promise<void>;
    const client: RedisTicketReplayClient = {
      status: 'ready',
      connect: async () => undefined,
      set: (key, value) => {
        const apply = (): 'OK' | null => {
          if (keys.has(key)) return null;
          keys.set(key, value);
          return 'OK';
        };
        if (!stallNext) return Promise.resolve(apply());
        stallNext = false;
        const result = new Promise<'OK' | null>((resolve) => setTimeout(() => resolve(apply()), 700));
        landed = result.then(() => new Promise((resolve) => setTimeout(resolve, 50)));
        return result;
      },
      del: async (key) => Number(keys.delete(key)),
    };
    const app = await start({ replayStore: new RedisTicketReplayStore(client), timeoutMs: 400 });
    const ticket = emulator.issueTicket({ unionid: 'oStalled' });
    const first = await app.post('/login', { ticket });
    expect([first.status, first.body.message]).toEqual([503, 'Login is unavailable: the ticket replay store does not answer']);
    expect(first.headers.get('retry-after')).toBe('1');
    await landed;
    expect(keys.size).toBe(0);
    const retry = await app.post('/login', { ticket });
    expect([retry.status, retry.body.user?.id]).toEqual([200, emulator.userId('oStalled')]);
    expect(emulator.requestCount).toBe(1);
    expect(problems()).toEqual([
      {
        level: 'warn',
        context: 'App2Wxapp',
        message: expect.stringMatching(/^Replay store did not answer in time \(pool default, ticket #[0-9a-f]{12}\)$/),
      },
    ]);
  });

  it.each([0, '', Number.NaN, false, null, undefined])(
    'validateUser answering %p refuses the login on the guard and on Passport alike (defect 6)',
    async (answer) => {
      const app = await start({ validateUser: () => answer as never });
      for (const path of ['/login', '/passport-login']) {
        const res = await app.post(path, { ticket: emulator.issueTicket() });
        expect([res.status, res.body.message]).toEqual([401, 'This user may not log in to this app']);
      }
    },
  );

  describe("the operator's mistakes are server errors (defect 7)", () => {
    const MISCONFIGURED = "Login is unavailable: this server's Authing settings are wrong (the operator has been told)";

    it.each([
      [
        'a wrong secret (Authing code 2003)',
        { secret: 'a-wrong-secret-value' },
        undefined,
        /Authing says the user pool secret is wrong \(code 2003\): check the option "secret"/,
      ],
      [
        'an unknown user pool (code 2224)',
        {},
        { status: 200, body: { code: 2224, message: '用户池不存在' } },
        /Authing knows no such user pool \(code 2224\): check the option "userPoolId"/,
      ],
      [
        'a host with a path (HTTP 404)',
        {},
        { status: 404, body: '<html>Not Found</html>', contentType: 'text/html' },
        /Authing answered HTTP 404 at the exchange URL: check the option "host"/,
      ],
    ])('%s: 500, an ERROR naming the option, the claim freed, its own outcome, health down', async (_name, options, fault, detail) => {
      const outcomes: string[] = [];
      const app = await start({ ...options, onExchange: (e) => outcomes.push(`${e.outcome} ${e.status}`) });
      if (fault) emulator.failNext(fault);
      const ticket = emulator.issueTicket();
      const res = await app.post('/login', { ticket });
      expect([res.status, res.body.message]).toEqual([500, MISCONFIGURED]);
      for (const secret of [SECRET, 'a-wrong-secret-value', ticket, '用户池', '2003', '2224']) expect(res.text).not.toContain(secret);
      const logged = problems();
      expect(logged).toEqual([{ level: 'error', context: 'App2Wxapp', message: expect.stringMatching(detail) }]);
      expect(logged[0].message).not.toContain('a-wrong-secret-value');
      expect(outcomes).toEqual(['misconfigured 500']);
      expect(await health()).toMatchObject({ app2wxapp: { status: 'down', pool: 'default', misconfigured: expect.stringMatching(detail) } });
      // The claim was freed: the same ticket reaches Authing again, not "already used". Once Authing accepts the
      // settings (the fault is gone), that very ticket logs in and health is up again.
      const again = await app.post('/login', { ticket });
      if (fault) {
        expect(again.status).toBe(200);
        expect(await health()).toMatchObject({ app2wxapp: { status: 'up' } });
      } else {
        expect([again.status, again.body.message]).toEqual([500, MISCONFIGURED]);
        problems();
      }
    });

    it('a secret that is undefined (an unset environment variable) stops the boot', async () => {
      await expect(start({ secret: undefined })).rejects.toThrow(/secret is undefined \(is its environment variable unset\?\)/);
    });
  });

  it("the profile's userPoolId is the configured pool, whatever the answer says (defect 9)", async () => {
    let seen: App2WxappProfile | undefined;
    const app = await start({ validateUser: (profile) => (seen = profile) });
    const user = { _id: '5e57b3c2d5b4a1d2e3f40009', userPoolId: 'someone-elses-pool', registerInClient: 'another-pool', nickname: 'x' };
    emulator.failNext({ status: 200, body: { code: 200, message: 'ok', data: JSON.stringify(user) } });
    const res = await app.post('/login', { ticket: emulator.issueTicket() });
    expect(res.status).toBe(200);
    expect(seen?.userPoolId).toBe(POOL);
    expect(res.body.user.userPoolId).toBe(POOL);
  });

  it.each([
    ['an id that is not a string', { _id: { $oid: '5e57b3c2d5b4a1d2e3f4000a' } }],
    ['an id with characters an id cannot hold', { _id: '../../admin' }],
    ['an empty id', { _id: '' }],
  ])('an answer whose user has %s is unusable (502), never a login', async (_name, user) => {
    const app = await start();
    emulator.failNext({ status: 200, body: { code: 200, message: 'ok', data: user } });
    const res = await app.post('/login', { ticket: emulator.issueTicket() });
    expect(res.status).toBe(502);
    problems();
  });
});
