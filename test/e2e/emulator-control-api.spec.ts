import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';

const POOL = 'pool-control';
const SECRET = 'control-secret-77aa';

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

describe('the control API under /__emulator', () => {
  let emulator: App2WxappEmulator;
  const post = (path: string, body?: unknown) => call(emulator.url, 'POST', `/__emulator${path}`, body);
  const exchange = (ticket: string, pool = POOL, secret = SECRET) =>
    call(emulator.url, 'POST', `/oauth/app2wxapp/auth/${pool}`, { secret, ticket }).then((a) => a.body);

  beforeEach(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET, pools: [{ userPoolId: 'pool-control-b', secret: 'b-secret' }] });
  });
  afterEach(async () => {
    await emulator.close();
  });

  it('issues a ticket for a person, which exchanges for that person; the extMsg carries the same ticket', async () => {
    const issued = await post('/tickets', { unionid: 'o-ctl-alice', nickname: 'Alice', phone: '13800138000', gender: 2 });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({
      ticket: expect.stringMatching(/^eyJ/),
      extMsg: `code=200&message=${encodeURIComponent('授权成功')}&ticket=${issued.body.ticket}`,
      userId: emulator.userId('o-ctl-alice'),
      unionid: 'o-ctl-alice',
      userPoolId: POOL,
    });
    const answer = await exchange(issued.body.ticket);
    expect(JSON.parse(answer.data)).toMatchObject({ _id: issued.body.userId, nickname: 'Alice', phone: '13800138000', unionid: 'o-ctl-alice' });
    // Control requests are not Authing traffic: not counted or recorded.
    expect(emulator.requestCount).toBe(1);
  });

  it('issues a ticket for a new person with no body, and for another pool', async () => {
    const anonymous = await post('/tickets');
    expect(anonymous.status).toBe(201);
    expect(anonymous.body.userId).toBe(emulator.userId(anonymous.body.unionid));
    const other = await post('/tickets', { userPoolId: 'pool-control-b' });
    expect((await exchange(other.body.ticket, 'pool-control-b', 'b-secret')).code).toBe(200);
  });

  it('blocks and deletes a user, and undoes both', async () => {
    const blocked = await post('/users/o-ctl-bob/block');
    expect([blocked.status, blocked.body]).toEqual([
      200,
      { unionid: 'o-ctl-bob', userPoolId: POOL, userId: emulator.userId('o-ctl-bob'), blocked: true },
    ]);
    const asBlocked = JSON.parse((await exchange((await post('/tickets', { unionid: 'o-ctl-bob' })).body.ticket)).data);
    expect(asBlocked.blocked).toBe(true);
    await post('/users/o-ctl-bob/unblock');
    expect((await post('/users/o-ctl-bob/delete')).body.deleted).toBe(true);
    const asDeleted = JSON.parse((await exchange((await post('/tickets', { unionid: 'o-ctl-bob' })).body.ticket)).data);
    expect([asDeleted.blocked, asDeleted.isDeleted]).toEqual([false, true]);
    expect((await post('/users/o-ctl-bob/undelete')).body.deleted).toBe(false);
    const restored = JSON.parse((await exchange((await post('/tickets', { unionid: 'o-ctl-bob' })).body.ticket)).data);
    expect([restored.blocked, restored.isDeleted]).toEqual([false, false]);
  });

  it('queues faults, validates them, and clears them', async () => {
    expect(await post('/faults', { fault: 'http500', times: 2 })).toMatchObject({ status: 201, body: { queued: 2, pendingFaults: 2 } });
    const ticket = emulator.issueTicket();
    expect((await call(emulator.url, 'POST', `/oauth/app2wxapp/auth/${POOL}`, { secret: SECRET, ticket })).status).toBe(500);
    expect((await call(emulator.url, 'DELETE', '/__emulator/faults')).body).toEqual({ pendingFaults: 0 });
    expect((await exchange(ticket)).code).toBe(200);

    const custom = await post('/faults', { fault: { status: 200, body: { code: 2207, message: 'ticket 无效' } }, on: 'exchange' });
    expect(custom.status).toBe(201);
    expect(await exchange(emulator.issueTicket())).toEqual({ code: 2207, message: 'ticket 无效' });

    expect(await post('/faults', { fault: 'meltdown' })).toMatchObject({
      status: 400,
      body: { statusCode: 400, message: expect.stringMatching(/^unknown fault; use one of http500, http404/) },
    });
    expect(await post('/faults', {})).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^fault must be one of/) } });
    expect(await post('/faults', { fault: 'hang', times: 0 })).toMatchObject({
      status: 400,
      body: { message: 'times must be an integer from 1 to 1000' },
    });
    expect(await post('/faults', { fault: 'hang', on: 'moon' })).toMatchObject({
      status: 400,
      body: { message: 'on must be one of any, exchange, signin, profile, jwks' },
    });
    expect(await post('/faults', { fault: { status: 700, body: '' } })).toMatchObject({
      status: 400,
      body: { message: 'fault.status must be an integer from 200 to 599' },
    });
    expect(emulator.pendingFaults).toBe(0);
  });

  it('expires a ticket on demand (2206 afterwards), and answers 404 for a ticket it never issued', async () => {
    const { ticket } = (await post('/tickets')).body;
    expect(await post(`/tickets/${ticket}/expire`)).toMatchObject({ status: 200, body: { expired: true } });
    expect(await exchange(ticket)).toEqual({ code: 2206, message: 'ticket 已过期' });
    expect((await post('/tickets/eyJnope/expire')).status).toBe(404);
  });

  it('moves the emulator clock, and validates the amount', async () => {
    const { ticket } = (await post('/tickets')).body;
    const moved = await post('/clock', { advanceMs: 121_000 });
    expect(moved.status).toBe(200);
    expect(moved.body.offsetMs).toBe(121_000);
    expect(Date.parse(moved.body.now)).toBeGreaterThanOrEqual(Date.now() + 120_000);
    expect((await call(emulator.url, 'GET', '/__emulator/clock')).body.offsetMs).toBe(121_000);
    expect(await exchange(ticket)).toEqual({ code: 2206, message: 'ticket 已过期' });
    expect(await post('/clock', { advanceMs: -5 })).toMatchObject({ status: 400, body: { message: 'advanceMs must be an integer >= 0' } });
    expect(await post('/clock', { advanceMs: '5' })).toMatchObject({ status: 400 });
  });

  it('rotates a pool secret (the old one then gets 2003) and adds pools, never echoing a secret', async () => {
    const rotated = await post(`/pools/${POOL}/secret`, { secret: 'rotated-by-curl' });
    expect([rotated.status, rotated.body]).toEqual([200, { userPoolId: POOL, rotated: true }]);
    expect(await exchange(emulator.issueTicket())).toEqual({ code: 2003, message: '用户池密钥错误' });
    expect((await exchange(emulator.issueTicket(), POOL, 'rotated-by-curl')).code).toBe(200);

    expect(await post('/pools/nope/secret', { secret: 'x' })).toMatchObject({ status: 404, body: { message: 'no user pool with this userPoolId' } });
    const empty = await post(`/pools/${POOL}/secret`, { secret: '' });
    expect([empty.status, empty.body.message]).toEqual([400, 'secret is required: a non-empty string']);
    const added = await post('/pools', { userPoolId: 'pool-by-curl', secret: 'curl-secret-value' });
    expect([added.status, added.body]).toEqual([201, { userPoolId: 'pool-by-curl' }]);
    expect(added.text).not.toContain('curl-secret-value');
    expect((await post('/pools', { userPoolId: 'pool-by-curl', secret: 'again' })).status).toBe(409);
    expect((await call(emulator.url, 'GET', '/__emulator/state')).body.pools).toEqual([
      { userPoolId: POOL, requireSecret: true },
      { userPoolId: 'pool-control-b', requireSecret: true },
      { userPoolId: 'pool-by-curl', requireSecret: true },
    ]);
  });

  it('answers hostile input precisely: bad JSON, wrong types, unknown fields, unknown pool or route, wrong method', async () => {
    expect(await post('/tickets', '{"unionid":')).toMatchObject({ status: 400, body: { statusCode: 400, message: 'Request body must be JSON' } });
    expect(await post('/tickets', '[1,2]')).toMatchObject({ status: 400, body: { message: 'Request body must be a JSON object' } });
    expect(await post('/tickets', { nickname: 42 })).toMatchObject({ status: 400, body: { message: 'nickname must be a non-empty string' } });
    expect(await post('/tickets', { gender: 7 })).toMatchObject({ status: 400, body: { message: 'gender must be 0, 1 or 2' } });
    expect(await post('/tickets', { phone: '<b>' })).toMatchObject({ status: 400 });
    expect(await post('/tickets', { nickname: 'x'.repeat(201) })).toMatchObject({
      status: 400,
      body: { message: 'nickname must be at most 200 characters' },
    });
    expect(await post('/tickets', { isAdmin: true })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^unknown field: "isAdmin"; allowed: /) },
    });
    expect(await post('/tickets', { userPoolId: 'nope' })).toMatchObject({ status: 404, body: { message: 'no user pool with this userPoolId' } });
    expect(await post('/users/o-x/block', { userPoolId: 'nope' })).toMatchObject({ status: 404 });
    expect(await post('/users/%E0%A4%A/block')).toMatchObject({ status: 400, body: { message: 'The path is not valid percent-encoding' } });
    expect(await post('/nothing-here')).toMatchObject({ status: 404, body: { statusCode: 404 } });
    const wrongMethod = await call(emulator.url, 'GET', '/__emulator/tickets');
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
    const huge = await post('/tickets', JSON.stringify({ nickname: 'x'.repeat(100 * 1024) }));
    expect(huge.status).toBe(413);
    expect(await post('/codes')).toMatchObject({ status: 404, body: { message: 'the emulator has no app-launch app (start it with --app-id)' } });
    // And it still works.
    expect((await post('/tickets')).status).toBe(201);
  });
});

describe('the control page at GET /__emulator/', () => {
  let emulator: App2WxappEmulator;

  afterEach(async () => {
    await emulator.close();
  });

  it('is a self-contained HTML page that says it is an emulator, under a strict CSP', async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET, apps: [{ appId: 'app-page', appSecret: 'app-page-secret' }] });
    const page = await call(emulator.url, 'GET', '/__emulator/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]+'; style-src 'nonce-[A-Za-z0-9+/=]+'; connect-src 'self'/);
    expect(page.text).toContain('EMULATOR — this is not Authing.');
    expect(page.text).toContain('<option value="pool-control">pool-control</option>');
    expect(page.text).toContain('<option value="app-page">app-page</option>');
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page.text).not.toContain(SECRET);
    expect(page.text).not.toContain('app-page-secret');
    // The same page at /__emulator, and a new nonce each time.
    const again = await call(emulator.url, 'GET', '/__emulator');
    expect(again.status).toBe(200);
    expect(again.headers.get('content-security-policy')).not.toBe(csp);
  });

  it('escapes what it renders', async () => {
    const hostile = '"><script>alert(1)</script>';
    emulator = await App2WxappEmulator.start({ userPoolId: hostile });
    const page = await call(emulator.url, 'GET', '/__emulator/');
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).toContain('<option value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">');
  });
});

describe('the control API: on by default on loopback, off when asked', () => {
  it('controlApi: false serves no /__emulator route; they are unknown upstream paths', async () => {
    const emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET, controlApi: false });
    try {
      expect(emulator.controlApiEnabled).toBe(false);
      const answer = await call(emulator.url, 'POST', '/__emulator/tickets', {});
      expect([answer.status, answer.body]).toEqual([404, { code: 404, message: 'Not Found' }]);
      expect((await call(emulator.url, 'GET', '/__emulator/')).status).toBe(404);
    } finally {
      await emulator.close();
    }
  });

  it('is on by default on loopback', async () => {
    const emulator = await App2WxappEmulator.start({ userPoolId: POOL });
    try {
      expect(emulator.controlApiEnabled).toBe(true);
    } finally {
      await emulator.close();
    }
  });
});
