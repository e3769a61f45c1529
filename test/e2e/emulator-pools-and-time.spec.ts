import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { type RunningApp, startWithOptions } from './support/test-app';

const POOL_A = 'pool-time-a';
const SECRET_A = 'time-secret-a-5e1c';
const POOL_B = 'pool-time-b';
const SECRET_B = 'time-secret-b-8d20';

/** Authing's answer to an exchange, as the module would send it. */
async function exchange(
  emulator: App2WxappEmulator,
  pool: string,
  body: Record<string, unknown>,
): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${emulator.url}/oauth/app2wxapp/auth/${encodeURIComponent(pool)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

describe('the emulator serves several pools, each with its own secret', () => {
  let emulator: App2WxappEmulator;

  beforeEach(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL_A, secret: SECRET_A, pools: [{ userPoolId: POOL_B, secret: SECRET_B }] });
  });
  afterEach(async () => {
    await emulator.close();
  });

  it("exchanges a ticket at the pool that issued it, with that pool's secret and user id", async () => {
    const ticket = emulator.issueTicket({ unionid: 'o-multi', nickname: 'Multi' }, { userPoolId: POOL_B });
    const answer = await exchange(emulator, POOL_B, { secret: SECRET_B, ticket });
    expect(answer.body.code).toBe(200);
    const user = JSON.parse(answer.body.data);
    expect(user).toMatchObject({ _id: emulator.userId('o-multi', { userPoolId: POOL_B }), nickname: 'Multi', registerInClient: POOL_B });
    // The same WeChat person is another Authing user in the other pool.
    expect(emulator.userId('o-multi', { userPoolId: POOL_A })).not.toBe(user._id);
    expect(emulator.userPoolIds).toEqual([POOL_A, POOL_B]);
  });

  it("refuses a ticket at another pool (2207), even with that pool's right secret, and leaves it usable where it belongs", async () => {
    const ticket = emulator.issueTicket({}, { userPoolId: POOL_A });
    expect((await exchange(emulator, POOL_B, { secret: SECRET_B, ticket })).body).toEqual({ code: 2207, message: 'ticket 无效' });
    expect((await exchange(emulator, POOL_A, { secret: SECRET_A, ticket })).body.code).toBe(200);
  });

  it("answers Authing's 2003 for a wrong, missing or other pool's secret, and 2224 for an unknown pool", async () => {
    const ticket = emulator.issueTicket();
    const wrongSecret = { code: 2003, message: '用户池密钥错误' };
    expect((await exchange(emulator, POOL_A, { secret: 'not-it', ticket })).body).toEqual(wrongSecret);
    expect((await exchange(emulator, POOL_A, { ticket })).body).toEqual(wrongSecret);
    expect((await exchange(emulator, POOL_A, { secret: SECRET_B, ticket })).body).toEqual(wrongSecret);
    expect((await exchange(emulator, POOL_A, { secret: 42, ticket })).body).toEqual(wrongSecret);
    const unknown = await exchange(emulator, 'no-such-pool', { secret: SECRET_A, ticket });
    expect([unknown.status, unknown.body]).toEqual([200, { code: 2224, message: '用户池不存在' }]);
    // None of those spent the ticket.
    expect((await exchange(emulator, POOL_A, { secret: SECRET_A, ticket })).body.code).toBe(200);
  });

  it('adds a pool later, and refuses a duplicate or empty pool id', async () => {
    emulator.addPool({ userPoolId: 'pool-late', secret: 'late-secret' });
    const ticket = emulator.issueTicket({}, { userPoolId: 'pool-late' });
    expect((await exchange(emulator, 'pool-late', { secret: 'late-secret', ticket })).body.code).toBe(200);
    expect(() => emulator.addPool({ userPoolId: POOL_B, secret: 'x' })).toThrow('a pool with this userPoolId exists already');
    expect(() => emulator.addPool({ userPoolId: '' })).toThrow('userPoolId must be a non-empty string');
    expect(() => emulator.issueTicket({}, { userPoolId: 'nope' })).toThrow('no user pool with this userPoolId');
  });

  it("rotates a pool's secret: the old one then gets 2003, the new one works, tickets issued before stay valid", async () => {
    const before = emulator.issueTicket({}, { userPoolId: POOL_B });
    emulator.rotateSecret(POOL_B, 'rotated-secret-b');
    expect((await exchange(emulator, POOL_B, { secret: SECRET_B, ticket: before })).body).toEqual({ code: 2003, message: '用户池密钥错误' });
    expect((await exchange(emulator, POOL_B, { secret: 'rotated-secret-b', ticket: before })).body.code).toBe(200);
    // The other pool is untouched.
    expect((await exchange(emulator, POOL_A, { secret: SECRET_A, ticket: emulator.issueTicket() })).body.code).toBe(200);
    expect(() => emulator.rotateSecret(POOL_B, '')).toThrow('secret must be a non-empty string');
    expect(() => emulator.rotateSecret('nope', 'x')).toThrow('no user pool with this userPoolId');
  });
});

describe('emulator time: tickets expire on demand or when its clock moves', () => {
  let emulator: App2WxappEmulator;

  beforeEach(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL_A, secret: SECRET_A });
  });
  afterEach(async () => {
    await emulator.close();
  });

  it('expireTicket: the next exchange answers 2206; an unknown ticket is reported', async () => {
    const ticket = emulator.issueTicket();
    expect(emulator.expireTicket(ticket)).toBe(true);
    expect((await exchange(emulator, POOL_A, { secret: SECRET_A, ticket })).body).toEqual({ code: 2206, message: 'ticket 已过期' });
    expect(emulator.expireTicket('eyJ.never.issued')).toBe(false);
  });

  it('advanceClock: a ticket lives 120 s of emulator time, and reset() brings real time back', async () => {
    const first = emulator.issueTicket();
    const second = emulator.issueTicket();
    emulator.advanceClock(119_000);
    expect((await exchange(emulator, POOL_A, { secret: SECRET_A, ticket: first })).body.code).toBe(200);
    emulator.advanceClock(1_000);
    expect(emulator.clockOffsetMs).toBe(120_000);
    expect(emulator.now()).toBeGreaterThanOrEqual(Date.now() + 119_000);
    expect((await exchange(emulator, POOL_A, { secret: SECRET_A, ticket: second })).body).toEqual({ code: 2206, message: 'ticket 已过期' });
    emulator.reset();
    expect(emulator.clockOffsetMs).toBe(0);
    expect(() => emulator.advanceClock(-1)).toThrow('ms must be a finite number >= 0');
  });

  it("an app behind the guard sees the expired ticket as a 401 with Authing's reason", async () => {
    const running: RunningApp = await startWithOptions('express', { userPoolId: POOL_A, secret: SECRET_A, host: emulator.url });
    try {
      const ticket = emulator.issueTicket();
      emulator.expireTicket(ticket);
      const res = await running.post('/login', { ticket });
      expect(res.status).toBe(401);
      expect(res.text).toMatch(/已过期 \(code 2206\)/);
      expect(res.text).not.toContain(ticket);
      expect((await running.post('/login', { ticket: emulator.issueTicket() })).status).toBe(200);
    } finally {
      await running.close();
    }
  });
});

describe('faults per route, and the http404 fault', () => {
  let emulator: App2WxappEmulator;

  beforeEach(async () => {
    emulator = await App2WxappEmulator.start({
      userPoolId: POOL_A,
      secret: SECRET_A,
      apps: [{ appId: 'app-faults', appSecret: 'app-faults-secret' }],
    });
  });
  afterEach(async () => {
    await emulator.close();
  });

  it('http404 answers an HTML 404, as a host that does not serve the path (a wrong host option)', async () => {
    emulator.failNext('http404');
    const answer = await exchange(emulator, POOL_A, { secret: SECRET_A, ticket: emulator.issueTicket() });
    expect(answer.status).toBe(404);
    expect(answer.text).toContain('<title>404 Not Found</title>');
  });

  it('a fault aimed at one route waits for it; other routes are answered normally', async () => {
    emulator.failNext('http500', 1, { on: 'jwks' });
    expect((await exchange(emulator, POOL_A, { secret: SECRET_A, ticket: emulator.issueTicket() })).body.code).toBe(200);
    expect(emulator.pendingFaults).toBe(1);
    expect((await fetch(`${emulator.url}/oidc/.well-known/jwks.json`)).status).toBe(500);
    expect((await fetch(`${emulator.url}/oidc/.well-known/jwks.json`)).status).toBe(200);
    expect(emulator.pendingFaults).toBe(0);
  });

  it('refuses a fault it does not know, or a bad target', () => {
    expect(() => emulator.failNext('explode' as never)).toThrow(/unknown fault; use one of http500, http404, html502, hang, drip, garbage, reset/);
    expect(() => emulator.failNext({ status: 99, body: '' })).toThrow('fault.status must be an integer from 200 to 599');
    expect(() => emulator.failNext('http500', 1, { on: 'everything' as never })).toThrow('on must be one of any, exchange, signin, profile, jwks');
  });
});
