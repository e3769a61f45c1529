import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { App2WxappGuard, type App2WxappLoginInfo, type App2WxappProfile, App2WxappUser } from 'nestjs-app2wxapp';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app';
import { POOL_A, POOL_B, startTwoEmulators, type TwoEmulators, twoPoolModules } from './support/two-pools';

@Controller('pools')
class PoolsController {
  @Post('default')
  @HttpCode(200)
  @UseGuards(App2WxappGuard)
  byDefault(@App2WxappUser() user: unknown) {
    return { user };
  }

  @Post('genauth')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forPool('genauth'))
  genauth(@App2WxappUser() user: unknown) {
    return { user };
  }

  @Post('by-header')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forPool((request) => request.headers['x-pool']))
  byHeader(@App2WxappUser() user: unknown) {
    return { user };
  }
}

describe.each(ADAPTERS)('two user pools in one app on %s', (adapter) => {
  let emulators: TwoEmulators;
  let running: RunningApp;
  // One hook for both pools, as an app storing users of several pools would write it.
  const users = new Map<string, { pool: string; id: string; nickname?: string }>();
  const validateUser = (profile: App2WxappProfile, _request: unknown, { pool }: App2WxappLoginInfo) => {
    const row = { pool, id: profile.id, nickname: profile.nickname };
    users.set(`${pool}:${profile.id}`, row);
    return row;
  };
  const boot = (breakerA?: { threshold: number; cooldownMs: number }) =>
    startApp(adapter, twoPoolModules(emulators, { validateUser, circuitBreaker: breakerA ?? false }, { validateUser }), {
      controllers: [PoolsController],
    });

  beforeAll(async () => {
    emulators = await startTwoEmulators();
  });
  afterAll(() => emulators.close());
  beforeEach(async () => {
    emulators.reset();
    users.clear();
    running = await boot();
  });
  afterEach(() => running.close());

  it('a route per pool: each logs in against its own Authing pool, with its own secret; validateUser is told the pool', async () => {
    const a = await running.post('/pools/default', { ticket: emulators.a.issueTicket({ unionid: 'oPoolA', nickname: 'Ada' }) });
    const b = await running.post('/pools/genauth', { ticket: emulators.b.issueTicket({ unionid: 'oPoolB', nickname: 'Bo' }) });

    expect(a.status).toBe(200);
    expect(a.body.user).toEqual({ pool: 'default', id: emulators.a.userId('oPoolA'), nickname: 'Ada' });
    expect(b.status).toBe(200);
    expect(b.body.user).toEqual({ pool: 'genauth', id: emulators.b.userId('oPoolB'), nickname: 'Bo' });
    expect([...users.keys()].sort()).toEqual([`default:${emulators.a.userId('oPoolA')}`, `genauth:${emulators.b.userId('oPoolB')}`].sort());
    expect(emulators.a.requests.map((r) => [r.path, (r.body as any).secret])).toEqual([
      [`/oauth/app2wxapp/auth/${POOL_A.userPoolId}`, POOL_A.secret],
    ]);
    expect(emulators.b.requests.map((r) => [r.path, (r.body as any).secret])).toEqual([
      [`/oauth/app2wxapp/auth/${POOL_B.userPoolId}`, POOL_B.secret],
    ]);
  });

  it('a per-request resolver: the header picks the pool; the default pool answers to "default"', async () => {
    const a = await running.post('/pools/by-header', { ticket: emulators.a.issueTicket() }, { 'x-pool': 'default' });
    const b = await running.post('/pools/by-header', { ticket: emulators.b.issueTicket() }, { 'x-pool': 'genauth' });
    expect([a.status, a.body.user.pool]).toEqual([200, 'default']);
    expect([b.status, b.body.user.pool]).toEqual([200, 'genauth']);
    expect([emulators.a.requestCount, emulators.b.requestCount]).toEqual([1, 1]);
  });

  it.each([
    ['an unknown pool name', { 'x-pool': 'tenant-that-does-not-exist' }],
    ['no header', {}],
  ])('a per-request resolver: 401 for %s, and no Authing is called', async (_case, headers: Record<string, string>) => {
    const res = await running.post('/pools/by-header', { ticket: emulators.a.issueTicket() }, headers);
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('This request names no user pool that this app knows');
    expect(res.text).not.toContain('tenant-that-does-not-exist'); // the request's own words are not echoed
    expect([emulators.a.requestCount, emulators.b.requestCount]).toEqual([0, 0]);
  });

  it("a ticket of pool A presented to pool B: B's Authing refuses it (401 with its reason), A's is not called", async () => {
    const res = await running.post('/pools/genauth', { ticket: emulators.a.issueTicket() });
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/Authing refused the ticket: ticket 无效 \(code 2207\)/);
    expect([emulators.a.requestCount, emulators.b.requestCount]).toEqual([0, 1]);
  });

  it('each pool has its own replay store: a claim in one pool is not a claim in the other', async () => {
    const ticket = emulators.a.issueTicket({ unionid: 'oReplay' });
    // Pool A claims it and logs in; pool B has not seen it, so it asks its own Authing, which refuses it.
    const a = await running.post('/pools/default', { ticket });
    expect([a.status, a.body.user.id]).toEqual([200, emulators.a.userId('oReplay')]);
    expect((await running.post('/pools/genauth', { ticket })).status).toBe(401);
    // Pool A holds its claim and does not ask its Authing again. B freed its claim on the refusal (Authing refuses
    // the same ticket again), so it asks once more and is refused once more.
    const replay = await running.post('/pools/default', { ticket });
    expect([replay.status, replay.body.message]).toEqual([401, 'This ticket has already been used']);
    expect((await running.post('/pools/genauth', { ticket })).body.message).toMatch(/Authing refused the ticket/);
    expect([emulators.a.requestCount, emulators.b.requestCount]).toEqual([1, 2]);
  });

  it("pool A's circuit opens (503 with Retry-After, Authing A not called) while pool B still logs in", async () => {
    await running.close();
    running = await boot({ threshold: 2, cooldownMs: 60_000 });
    emulators.a.failNext('http500', 2);
    for (let i = 0; i < 2; i++) expect((await running.post('/pools/default', { ticket: emulators.a.issueTicket() })).status).toBe(502);

    for (const [path, headers] of [
      ['/pools/default', {}],
      ['/pools/by-header', { 'x-pool': 'default' }],
    ] as const) {
      const open = await running.post(path, { ticket: emulators.a.issueTicket() }, headers);
      expect(open.status).toBe(503);
      expect(open.body.message).toMatch(/Authing is failing; logins are paused/);
      expect(Number(open.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    }
    expect(emulators.a.requestCount).toBe(2);

    expect((await running.post('/pools/genauth', { ticket: emulators.b.issueTicket() })).status).toBe(200);
    expect((await running.post('/pools/by-header', { ticket: emulators.b.issueTicket() }, { 'x-pool': 'genauth' })).status).toBe(200);
    expect(emulators.b.requestCount).toBe(2);
  });
});
