import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { freePort } from '../support/free-port';
import { ADAPTERS, type RunningApp, startWithOptions, type TestResponse } from './support/test-app';

const POOL = 'pool-status-table';
const SECRET = 'status-table-secret-7f3a';
const TIMEOUT_MS = 700;

/** What every error answer must look like: Nest's JSON shape, a reason, and nothing secret. */
function expectSafeError(res: TestResponse, status: number, message?: RegExp, ...secrets: string[]) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual(expect.objectContaining({ statusCode: status, message: expect.any(String) }));
  if (message) expect(res.body.message).toMatch(message);
  for (const secret of [SECRET, ...secrets]) expect(res.text).not.toContain(secret);
  expect(res.text).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack
}

describe.each(ADAPTERS)('status table on %s', (adapter) => {
  let emulator: App2WxappEmulator;
  let running: RunningApp;

  beforeAll(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
    running = await startWithOptions(adapter, { userPoolId: POOL, secret: SECRET, host: emulator.url, timeoutMs: TIMEOUT_MS, circuitBreaker: false });
  });
  afterAll(async () => {
    await running.close();
    await emulator.close();
  });
  beforeEach(() => emulator.reset());

  it('200: a fresh ticket logs in, and the profile is request.user', async () => {
    const ticket = emulator.issueTicket({ nickname: '李雷', phone: '13800138000', unionid: 'oUnionStatus1' });
    const res = await running.post('/login', { ticket });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({
      id: emulator.userId('oUnionStatus1'),
      nickname: '李雷',
      phone: '13800138000',
      unionid: 'oUnionStatus1',
      blocked: false,
    });
    expect(res.body.user.token).toBeUndefined(); // the profile's toJSON keeps Authing's token out
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.requests[0].path).toBe(`/oauth/app2wxapp/auth/${POOL}`);
    expect(emulator.requests[0].body).toEqual({ secret: SECRET, ticket });
  });

  it('200: the ticket may come in the x-app2wxapp-ticket header', async () => {
    const res = await running.post('/login', undefined, { 'x-app2wxapp-ticket': emulator.issueTicket() });
    expect(res.status).toBe(200);
  });

  it("200: the mini program's raw extMsg may be forwarded as is", async () => {
    const res = await running.post('/login', { extMsg: emulator.issueExtMsg({ nickname: 'Han Meimei' }) });
    expect(res.status).toBe(200);
    expect(res.body.user.nickname).toBe('Han Meimei');
  });

  it.each([
    ['no body', undefined, /No ticket was presented/],
    ['an empty object', {}, /No ticket was presented/],
    ['a number', { ticket: 12345 }, /must be a string/],
    ['an object', { ticket: { $ne: '' } }, /must be a string/],
    ['an empty string', { ticket: '' }, /empty/],
    ['a 4097-character ticket', { ticket: 'a'.repeat(4097) }, /longer than 4096/],
    ['spaces and markup', { ticket: 'abc <script>alert(1)</script>' }, /characters/],
    ['a newline', { ticket: 'abc\ndef' }, /characters/],
  ])('401 without calling upstream: %s', async (_name, body, message) => {
    const res = await running.post('/login', body);
    expectSafeError(res, 401, message);
    expect(emulator.requestCount).toBe(0);
  });

  it('401: the query string is never read', async () => {
    const ticket = emulator.issueTicket();
    const res = await fetch(`${running.url}/login?ticket=${ticket}`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(emulator.requestCount).toBe(0);
  });

  it('401 with its message when the mini program reports a cancellation, without calling upstream', async () => {
    const res = await running.post('/login', { extMsg: emulator.issueExtMsg({}, 'cancel') });
    expectSafeError(res, 401, /用户取消授权 \(code 400\)/);
    expect(emulator.requestCount).toBe(0);
  });

  it('400: a body that is not JSON', async () => {
    const res = await running.post('/login', '{"ticket": ', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(emulator.requestCount).toBe(0);
  });

  it('401 with the reason when Authing refuses the ticket', async () => {
    const ticket = 'eyJhbGciOiJIUzI1NiJ9.eyJ1bmtub3duIjp0cnVlfQ.AAAA';
    const res = await running.post('/login', { ticket });
    expectSafeError(res, 401, /Authing refused the ticket: ticket 无效 \(code 2207\)/, ticket);
  });

  it('401 when Authing answers an HTTP 4xx', async () => {
    emulator.failNext({ status: 403, body: { code: 403, message: 'Forbidden' } });
    const ticket = emulator.issueTicket();
    expectSafeError(await running.post('/login', { ticket }), 401, /Forbidden.*HTTP 403/, ticket);
    emulator.failNext({ status: 400, body: '<html>bad request</html>', contentType: 'text/html' });
    expectSafeError(await running.post('/login', { ticket: emulator.issueTicket() }), 401, /HTTP 400/);
  });

  it('401 when Authing gives the code as a string', async () => {
    emulator.failNext({ status: 200, body: { code: '2206', message: 'ticket 已过期' } });
    expectSafeError(await running.post('/login', { ticket: emulator.issueTicket() }), 401, /已过期 \(code 2206\)/);
  });

  it('401 when the ticket has already been used, and upstream is called once', async () => {
    const ticket = emulator.issueTicket();
    expect((await running.post('/login', { ticket })).status).toBe(200);
    expectSafeError(await running.post('/login', { ticket }), 401, /already been used/, ticket);
    expectSafeError(await running.post('/login', undefined, { 'x-app2wxapp-ticket': ticket }), 401, /already been used/);
    expect(emulator.requestCount).toBe(1);
  });

  it('exactly one login for 20 concurrent presentations of one ticket', async () => {
    const ticket = emulator.issueTicket();
    const answers = await Promise.all(Array.from({ length: 20 }, () => running.post('/login', { ticket })));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 401)).toHaveLength(19);
    expect(emulator.requestCount).toBe(1);
  });

  it('403 for a blocked user and for a deleted user', async () => {
    emulator.blockUser('oBlocked');
    expectSafeError(await running.post('/login', { ticket: emulator.issueTicket({ unionid: 'oBlocked' }) }), 403, /blocked/);
    emulator.deleteUser('oDeleted');
    expectSafeError(await running.post('/login', { ticket: emulator.issueTicket({ unionid: 'oDeleted' }) }), 403, /deleted/);
  });

  it.each([
    ['HTTP 500', 'http500', 502, /HTTP 500/],
    ['an HTML 502 page from a proxy', 'html502', 502, /HTTP 502/],
    ['a body that is not JSON', 'garbage', 502, /not JSON/],
    ['a reset connection', 'reset', 502, /connection to Authing failed/],
    ['a success without a user id', { status: 200, body: { code: 200, message: 'ok', data: '{"nickname":"x"}' } }, 502, /no user id/],
    ['a success whose data is not JSON', { status: 200, body: { code: 200, data: '<xml/>' } }, 502, /not valid JSON/],
    ['HTTP 429', { status: 429, body: { code: 429, message: 'Too Many Requests' } }, 503, /HTTP 429/],
  ] as const)('502/503, never 401: %s', async (_name, fault, status, message) => {
    emulator.failNext(fault as never);
    const ticket = emulator.issueTicket();
    expectSafeError(await running.post('/login', { ticket }), status, message, ticket);
  });

  it('504 within timeoutMs plus a little when Authing hangs', async () => {
    emulator.failNext('hang');
    const started = Date.now();
    const res = await running.post('/login', { ticket: emulator.issueTicket() });
    expectSafeError(res, 504, new RegExp(`within ${TIMEOUT_MS} ms`));
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1500);
  });

  it('504 within timeoutMs plus a little when Authing sends its headers and then trickles the body', async () => {
    emulator.failNext('drip');
    const started = Date.now();
    const res = await running.post('/login', { ticket: emulator.issueTicket() });
    expectSafeError(res, 504, new RegExp(`within ${TIMEOUT_MS} ms`));
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1500);
  });

  it('a ticket whose exchange failed transiently can be presented again and logs in', async () => {
    const ticket = emulator.issueTicket({ nickname: 'Retry' });
    emulator.failNext('http500');
    expect((await running.post('/login', { ticket })).status).toBe(502);
    const retry = await running.post('/login', { ticket });
    expect(retry.status).toBe(200);
    expect(retry.body.user.nickname).toBe('Retry');
  });
});

describe.each(ADAPTERS)('one deadline for a whole login on %s', (adapter) => {
  it('a slow replay store and a hanging Authing together still answer within timeoutMs plus a little', async () => {
    const emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
    const slowStore = {
      claim: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), TIMEOUT_MS * 0.6)),
      release: async () => undefined,
    };
    const running = await startWithOptions(adapter, {
      userPoolId: POOL,
      secret: SECRET,
      host: emulator.url,
      timeoutMs: TIMEOUT_MS,
      replayStore: slowStore,
    });
    try {
      emulator.failNext('hang');
      const started = Date.now();
      const res = await running.post('/login', { ticket: emulator.issueTicket() });
      expectSafeError(res, 504);
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 500);
    } finally {
      await running.close();
      await emulator.close();
    }
  });
});

describe.each(ADAPTERS)('unreachable upstream on %s', (adapter) => {
  let closedPort: number;
  let running: RunningApp;

  beforeAll(async () => {
    closedPort = await freePort();
    running = await startWithOptions(adapter, { userPoolId: POOL, secret: SECRET, host: `http://127.0.0.1:${closedPort}`, timeoutMs: TIMEOUT_MS });
  });
  afterAll(() => running.close());

  it('503 with Retry-After when Authing refuses connections', async () => {
    const res = await running.post('/login', { ticket: 'eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln' });
    expectSafeError(res, 503, /unreachable/);
    expect(res.headers.get('retry-after')).toBe('1');
  });
});
