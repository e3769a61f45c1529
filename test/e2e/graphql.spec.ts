import { readFileSync } from 'node:fs';
import type { App2WxappModuleOptions } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { GRAPHQL_DRIVERS, type GraphqlApp, type GraphqlDriverName, startGraphqlApp, type UserRow, UserRows } from './support/graphql-app';
import type { TestResponse } from './support/test-app';

const POOL = 'pool-graphql';
const SECRET = 'graphql-secret-91d2';
const GENAUTH_POOL = 'pool-graphql-genauth';
const GENAUTH_SECRET = 'genauth-secret-4b7e';
const NEST_MAJOR = Number(JSON.parse(readFileSync('node_modules/@nestjs/common/package.json', 'utf8')).version.split('.')[0]);
const UNKNOWN_TICKET = 'eyJhbGciOiJIUzI1NiJ9.eyJ1bmtub3duIjp0cnVlfQ.AAAA';

const LOGIN = 'mutation Login($ticket: String!) { login(ticket: $ticket) { id authingId nickname pool } }';
const TWO_LOGINS = 'mutation Two($t1: String!, $t2: String!) { a: login(ticket: $t1) { id nickname } b: login(ticket: $t2) { id nickname } }';
const TWO_MES = 'query Two($t1: String!, $t2: String!) { a: me(ticket: $t1) { id nickname } b: me(ticket: $t2) { id nickname } }';

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 502: 'Bad Gateway', 503: 'Service Unavailable' };
const CODES: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN' };

/**
 * The extensions each driver answers for an HttpException thrown by the guard, as observed. Both carry the guard's
 * `{ code, status }`; Nest's Apollo driver adds `originalError` (the exception's response). Same on NestJS 11 and 12.
 */
function expectedExtensions(driver: GraphqlDriverName, status: number, message: string): object {
  const base = { code: CODES[status] ?? 'INTERNAL_SERVER_ERROR', status };
  if (driver === 'mercurius') return base;
  return { ...base, originalError: { message, error: REASONS[status], statusCode: status } };
}

/** One failed field: HTTP 200 (GraphQL over HTTP), the field null, one error at its path, nothing secret. */
function expectFieldError(driver: GraphqlDriverName, res: TestResponse, field: string, status: number, message: RegExp, ...secrets: string[]) {
  expect(res.status).toBe(200);
  expect(res.body.data?.[field]).toBeNull();
  const errors = (res.body.errors as any[]).filter((e) => e.path?.[0] === field);
  expect(errors).toHaveLength(1);
  expect(errors[0].message).toMatch(message);
  expect(errors[0]).toEqual({
    message: errors[0].message,
    locations: [expect.any(Object)],
    path: [field],
    extensions: expectedExtensions(driver, status, errors[0].message),
  });
  for (const secret of [SECRET, GENAUTH_SECRET, ...secrets]) expect(res.text).not.toContain(secret);
  expect(res.text).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack
}

/** The package's warnings since the last check, in order; `afterEach` asserts that none is left unchecked. */
function expectWarnings(running: GraphqlApp, ...messages: RegExp[]) {
  expect(running.logs.takeProblems()).toEqual(messages.map((m) => ({ level: 'warn', context: 'App2Wxapp', message: expect.stringMatching(m) })));
}
const REFUSED = /^Ticket exchange failed \(pool default, ticket #[0-9a-f]+\): 401 rejected, code 2207, HTTP 200, \d+ ms$/;
const REPLAYED = /^Refused a ticket that was already presented \(pool default, ticket #[0-9a-f]+\)$/;

const validate =
  (rows: UserRows): App2WxappModuleOptions<UserRow>['validateUser'] =>
  (profile, _request, { pool }) =>
    rows.upsert(profile, pool);

describe.each(GRAPHQL_DRIVERS)(`GraphQL login with %s on %s (NestJS ${NEST_MAJOR})`, (driver) => {
  let emulator: App2WxappEmulator;
  let genauth: App2WxappEmulator;
  let running: GraphqlApp;
  let rows: UserRows;

  beforeAll(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
    genauth = await App2WxappEmulator.start({ userPoolId: GENAUTH_POOL, secret: GENAUTH_SECRET });
    rows = new UserRows();
    running = await startGraphqlApp(driver, {
      default: { userPoolId: POOL, secret: SECRET, host: emulator.url, circuitBreaker: false, validateUser: validate(rows) },
      genauth: { userPoolId: GENAUTH_POOL, secret: GENAUTH_SECRET, host: genauth.url, validateUser: validate(rows) },
    });
  });
  afterAll(async () => {
    await running?.close();
    await emulator?.close();
    await genauth?.close();
  });
  beforeEach(() => {
    emulator.reset();
    genauth.reset();
    rows.rows.clear();
  });
  afterEach(() => expect(running.logs.takeProblems()).toEqual([]));

  it('login(ticket) answers the row that validateUser stored', async () => {
    const ticket = emulator.issueTicket({ unionid: 'oGqlLogin', nickname: '李雷' });
    const res = await running.graphql(LOGIN, { ticket });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { login: { id: 'row-1', authingId: emulator.userId('oGqlLogin'), nickname: '李雷', pool: 'default' } } });
    expect(emulator.requests.map((r) => r.body)).toEqual([{ secret: SECRET, ticket }]);
    expect(genauth.requestCount).toBe(0);
  });

  it('a mutation without arguments reads the ticket from the x-app2wxapp-ticket header', async () => {
    const ticket = emulator.issueTicket({ unionid: 'oGqlHeader', nickname: 'Header' });
    const res = await running.graphql('mutation { loginByHeader { id nickname } }', undefined, { 'x-app2wxapp-ticket': ticket });
    expect(res.body).toEqual({ data: { loginByHeader: { id: 'row-1', nickname: 'Header' } } });
  });

  it("the mini program's raw extMsg argument logs in; a cancelled one is a 401 without calling upstream", async () => {
    const ok = await running.graphql('mutation($e: String!) { loginWithExtMsg(extMsg: $e) { nickname } }', {
      e: emulator.issueExtMsg({ nickname: 'Han Meimei' }),
    });
    expect(ok.body).toEqual({ data: { loginWithExtMsg: { nickname: 'Han Meimei' } } });
    const cancelled = await running.graphql('mutation($e: String!) { loginWithExtMsg(extMsg: $e) { nickname } }', {
      e: emulator.issueExtMsg({}, 'cancel'),
    });
    expectFieldError(driver, cancelled, 'loginWithExtMsg', 401, /用户取消授权 \(code 400\)/);
    expect(emulator.requestCount).toBe(1);
  });

  it('a replayed ticket is a 401 error, upstream is called once, and the refusal is logged without the ticket', async () => {
    const ticket = emulator.issueTicket();
    expect((await running.graphql(LOGIN, { ticket })).body.data.login.id).toBe('row-1');
    expectFieldError(driver, await running.graphql(LOGIN, { ticket }), 'login', 401, /^This ticket has already been used$/, ticket);
    expect(emulator.requestCount).toBe(1);
    expect(JSON.stringify(running.logs.entries)).not.toContain(ticket);
    expectWarnings(running, REPLAYED);
  });

  it('a blocked user is a 403 error and gets no row', async () => {
    emulator.blockUser('oGqlBlocked');
    expectFieldError(
      driver,
      await running.graphql(LOGIN, { ticket: emulator.issueTicket({ unionid: 'oGqlBlocked' }) }),
      'login',
      403,
      /^This user is blocked in Authing$/,
    );
    expect(rows.rows.size).toBe(0);
  });

  it('no ticket at all is a 401 error, and upstream is not called', async () => {
    expectFieldError(driver, await running.graphql('mutation { loginByHeader { id } }'), 'loginByHeader', 401, /^No ticket was presented$/);
    expect(emulator.requestCount).toBe(0);
  });

  it('an upstream HTTP 500 is a 502 error; the ticket stays usable', async () => {
    emulator.failNext('http500');
    const ticket = emulator.issueTicket({ nickname: 'Retry' });
    expectFieldError(driver, await running.graphql(LOGIN, { ticket }), 'login', 502, /^Authing answered HTTP 500$/, ticket);
    expectWarnings(running, /^Ticket exchange failed \(pool default, ticket #[0-9a-f]+\): 502 upstream-error, HTTP 500, \d+ ms$/);
    expect((await running.graphql(LOGIN, { ticket })).body.data.login.nickname).toBe('Retry');
  });

  it.each([
    ['a replay of the first ticket', 'replay', /^This ticket has already been used$/, 1, REPLAYED],
    ['a ticket that Authing refuses', 'unknown', /^Authing refused the ticket: ticket 无效 \(code 2207\)$/, 2, REFUSED],
  ] as const)(
    "two aliased login fields in one mutation: the second, %s, does not ride on the first's user",
    async (_name, second, message, upstreamCalls, warning) => {
      const t1 = emulator.issueTicket({ unionid: 'oGqlAliasA', nickname: 'A' });
      const res = await running.graphql(TWO_LOGINS, { t1, t2: second === 'replay' ? t1 : UNKNOWN_TICKET });
      expect(res.body.data).toEqual({ a: { id: 'row-1', nickname: 'A' }, b: null });
      expectFieldError(driver, res, 'b', 401, message, t1);
      expect(res.body.errors).toHaveLength(1);
      expect(emulator.requestCount).toBe(upstreamCalls);
      expectWarnings(running, warning);
    },
  );

  it('an unguarded field after a login in the same mutation gets no user from @App2WxappUser()', async () => {
    const ticket = emulator.issueTicket({ nickname: 'A' });
    const res = await running.graphql('mutation($t: String!) { login(ticket: $t) { nickname } whoAmI }', { t: ticket });
    expect(res.body).toEqual({ data: { login: { nickname: 'A' }, whoAmI: 'nobody' } });
  });

  it('two guarded fields of one query, with two users, each answer their own user', async () => {
    const t1 = emulator.issueTicket({ unionid: 'oGqlParallelA', nickname: 'A' });
    const t2 = emulator.issueTicket({ unionid: 'oGqlParallelB', nickname: 'B' });
    const res = await running.graphql(TWO_MES, { t1, t2 });
    expect(res.body).toEqual({ data: { a: { id: expect.any(String), nickname: 'A' }, b: { id: expect.any(String), nickname: 'B' } } });
    expect(res.body.data.a.id).not.toBe(res.body.data.b.id);
    expect(emulator.requestCount).toBe(2);
  });

  it("App2WxappGuard.forPool('genauth') on a resolver logs in against the second pool", async () => {
    const ticket = genauth.issueTicket({ unionid: 'oGqlGenauth', nickname: 'GenAuth' });
    const res = await running.graphql('mutation($t: String!) { genauthLogin(ticket: $t) { authingId nickname pool } }', { t: ticket });
    expect(res.body).toEqual({ data: { genauthLogin: { authingId: genauth.userId('oGqlGenauth'), nickname: 'GenAuth', pool: 'genauth' } } });
    expect(genauth.requests.map((r) => [r.path, r.body])).toEqual([[`/oauth/app2wxapp/auth/${GENAUTH_POOL}`, { secret: GENAUTH_SECRET, ticket }]]);
    expect(emulator.requestCount).toBe(0);
  });

  it("a genauth ticket presented to the default pool's field is a 401, and the genauth emulator is not called", async () => {
    const ticket = genauth.issueTicket();
    expectFieldError(driver, await running.graphql(LOGIN, { ticket }), 'login', 401, /ticket 无效 \(code 2207\)/, ticket);
    expect(emulator.requestCount).toBe(1);
    expect(genauth.requestCount).toBe(0);
    expectWarnings(running, REFUSED);
  });
});

describe.each(GRAPHQL_DRIVERS)(`GraphQL login with %s on %s, circuit open (NestJS ${NEST_MAJOR})`, (driver) => {
  let emulator: App2WxappEmulator;
  let running: GraphqlApp;

  beforeAll(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
    running = await startGraphqlApp(driver, {
      default: { userPoolId: POOL, secret: SECRET, host: emulator.url, circuitBreaker: { threshold: 1, cooldownMs: 60_000 } },
    });
  });
  afterAll(async () => {
    await running?.close();
    await emulator?.close();
  });

  it('after one upstream 500 the circuit opens: a 503 error, Retry-After on the HTTP answer, upstream not called', async () => {
    emulator.failNext('http500');
    const failed = await running.graphql(LOGIN, { ticket: emulator.issueTicket() });
    expectFieldError(driver, failed, 'login', 502, /^Authing answered HTTP 500$/);
    expect(failed.headers.get('retry-after')).toBeNull();

    const paused = await running.graphql(LOGIN, { ticket: emulator.issueTicket() });
    expectFieldError(driver, paused, 'login', 503, /^Authing is failing; logins are paused briefly$/);
    expect(paused.headers.get('retry-after')).toBe('60');
    expect(emulator.requestCount).toBe(1);
    expectWarnings(
      running,
      /^Circuit of pool default opened after 1 upstream failures; retrying in 60000 ms$/,
      /^Ticket exchange failed \(pool default, ticket #[0-9a-f]+\): 502 upstream-error, HTTP 500, \d+ ms$/,
      /^Ticket exchange failed \(pool default, ticket #[0-9a-f]+\): 503 circuit-open, \d+ ms$/,
    );
  });
});
