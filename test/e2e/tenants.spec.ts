import { App2WxappModule, type App2WxappTenantsOptions, App2WxappTenants } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { CapturedLogs } from './support/captured-logs';
import { ConnectionCounter, eventually } from './support/connection-counter';
import { TenantLoginController } from './support/tenant-login.controller';
import { TenantTable } from './support/tenant-table';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app';

/** One Authing user pool per tenant, each its own emulator with its own id and secret. */
const POOLS = {
  acme: { userPoolId: 'tenant-pool-acme', secret: 'acme-secret-5f1e' },
  globex: { userPoolId: 'tenant-pool-globex', secret: 'globex-secret-8a2c' },
  initech: { userPoolId: 'tenant-pool-initech', secret: 'initech-secret-3d9b' },
} as const;
type PoolName = keyof typeof POOLS;
const STATIC = { userPoolId: 'static-pool-default', secret: 'static-secret-77aa' };
const ALL_SECRETS = [...Object.values(POOLS).map((p) => p.secret), STATIC.secret, 'rotated-new-secret-c0ffee', 'rotated-old-secret-dead'];

describe.each(ADAPTERS)('tenants from a real table on %s', (adapter) => {
  let emulators: Record<PoolName | 'static', App2WxappEmulator>;
  let table: TenantTable;
  let running: RunningApp | undefined;
  let logs: CapturedLogs;

  const boot = async (options: Partial<App2WxappTenantsOptions> = {}, source: TenantTable = table) => {
    logs = new CapturedLogs();
    running = await startApp(
      adapter,
      [
        App2WxappModule.forRoot({ ...STATIC, host: emulators.static.url }),
        App2WxappModule.forTenants({ resolveTenant: source.resolveTenant, ...options }),
      ],
      { controllers: [TenantLoginController] },
      (app) => app.useLogger(logs),
    );
    return running;
  };
  const addTenant = (name: string, pool: PoolName, host = emulators[pool].url) => table.upsert(name, { ...POOLS[pool], host });
  const login = (tenant: string, ticket: unknown) => running!.post(`/tenants/${tenant}/login`, { ticket });
  const tenants = () => running!.app.get(App2WxappTenants);
  const expectNoSecrets = (text: string) => {
    for (const secret of ALL_SECRETS) expect(text).not.toContain(secret);
  };

  beforeAll(async () => {
    const started = await Promise.all(
      [...Object.entries(POOLS), ['static', STATIC] as const].map(async ([name, pool]) => [name, await App2WxappEmulator.start(pool)] as const),
    );
    emulators = Object.fromEntries(started) as typeof emulators;
    table = await TenantTable.open();
  });
  afterAll(async () => {
    await table.close();
    await Promise.all(Object.values(emulators).map((e) => e.close()));
  });
  beforeEach(async () => {
    for (const emulator of Object.values(emulators)) emulator.reset();
    await table.clear();
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    // Every warning and error a test provokes, it asserts (and takes).
    expect(logs.takeProblems()).toEqual([]);
  });

  it('a login per tenant, each against its own Authing pool with its own secret; validateUser is told the tenant; the static pool beside them', async () => {
    await addTenant('acme', 'acme');
    await addTenant('globex', 'globex');
    await boot();

    const a = await login('acme', emulators.acme.issueTicket({ unionid: 'oAcme' }));
    const g = await running!.post('/tenants/by-header', { ticket: emulators.globex.issueTicket({ unionid: 'oGlobex' }) }, { 'x-tenant': 'globex' });
    const s = await running!.post('/login', { ticket: emulators.static.issueTicket() });

    expect([a.status, a.body.user]).toEqual([200, { tenant: 'acme', id: emulators.acme.userId('oAcme') }]);
    expect([g.status, g.body.user]).toEqual([200, { tenant: 'globex', id: emulators.globex.userId('oGlobex') }]);
    expect([s.status, s.body.user.userPoolId]).toEqual([200, STATIC.userPoolId]);
    expect(emulators.acme.requests.map((r) => [r.path, (r.body as any).secret])).toEqual([
      [`/oauth/app2wxapp/auth/${POOLS.acme.userPoolId}`, POOLS.acme.secret],
    ]);
    expect(emulators.globex.requests.map((r) => (r.body as any).secret)).toEqual([POOLS.globex.secret]);
    // A second login of a loaded tenant does not ask the table again.
    expect((await login('acme', emulators.acme.issueTicket())).status).toBe(200);
    expect(table.calls).toEqual(['acme', 'globex']);
    // A replay within one tenant is refused as for a static pool.
    const ticket = emulators.acme.issueTicket();
    expect((await login('acme', ticket)).status).toBe(200);
    expect([(await login('acme', ticket)).body.message]).toEqual(['This ticket has already been used']);
    expect(logs.takeProblems()).toEqual([
      { level: 'warn', context: 'App2Wxapp', message: expect.stringMatching(/^Refused a ticket that was already presented \(pool acme, ticket #/) },
    ]);
  });

  it('a resolver that answers a promise or a thenable: its tenant logs in; an unknown or missing name is still 401, never echoed', async () => {
    await addTenant('acme', 'acme');
    await boot();
    for (const path of ['/tenants/by-lookup', '/tenants/by-thenable']) {
      const ok = await running!.post(path, { ticket: emulators.acme.issueTicket({ unionid: 'oAsync' }) }, { 'x-tenant': 'acme' });
      expect([ok.status, ok.body.user]).toEqual([200, { tenant: 'acme', id: emulators.acme.userId('oAsync') }]);
      const unknown = await running!.post(path, { ticket: emulators.acme.issueTicket() }, { 'x-tenant': 'umbrella-corp' });
      expect([unknown.status, unknown.body.message]).toEqual([401, 'This request names no tenant that this app knows']);
      expect(unknown.text).not.toContain('umbrella-corp');
      expect((await running!.post(path, { ticket: emulators.acme.issueTicket() })).status).toBe(401);
    }
    expect(table.calls).toEqual(['acme', 'umbrella-corp']);
  });

  it('an unknown tenant: 401 without echoing the name, no upstream call, one table query per name within the negative TTL; malformed names and no name never reach the table', async () => {
    await boot({ unknownTenantTtlMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      const res = await login('no-such-tenant', emulators.acme.issueTicket());
      expect([res.status, res.body.message]).toEqual([401, 'This request names no tenant that this app knows']);
      expect(res.text).not.toContain('no-such-tenant');
    }
    expect(table.calls).toEqual(['no-such-tenant']);

    const long = 'x'.repeat(65);
    for (const res of [
      await login(long, emulators.acme.issueTicket()),
      await login('a%20b', emulators.acme.issueTicket()),
      await running!.post('/tenants/by-header', { ticket: emulators.acme.issueTicket() }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.text).not.toContain(long);
    }
    expect(table.calls).toEqual(['no-such-tenant']);
    expect(Object.values(emulators).map((e) => e.requestCount)).toEqual([0, 0, 0, 0]);
    expect(tenants().snapshot()).toMatchObject({ loaded: 0, resident: 0, unknownRemembered: 1, sourceDown: false });
  });

  it('100 concurrent first logins of one tenant: one table query, 100 logins', async () => {
    await addTenant('acme', 'acme');
    await boot();
    const tickets = Array.from({ length: 100 }, (_, i) => emulators.acme.issueTicket({ unionid: `oConcurrent${i}` }));
    const answers = await Promise.all(tickets.map((ticket) => login('acme', ticket)));
    expect(answers.map((a) => a.status)).toEqual(tickets.map(() => 200));
    expect(table.calls).toEqual(['acme']);
    expect(emulators.acme.requestCount).toBe(100);
  });

  it('a secret rotated in the table: Authing answers 2003 on the loaded secret, the module reloads the tenant and retries once: 200, no restart', async () => {
    const rotating = await App2WxappEmulator.start({ userPoolId: 'tenant-pool-rotating', secret: 'rotated-new-secret-c0ffee' });
    try {
      await table.upsert('rotating', { userPoolId: 'tenant-pool-rotating', secret: 'rotated-old-secret-dead', host: rotating.url });
      await boot({ secretReloadMs: 0 });

      // The table still holds the old secret: Authing refuses it, the reload finds nothing new, 500 for the operator.
      const stale = await login('rotating', rotating.issueTicket());
      expect([stale.status, stale.body.message]).toEqual([
        500,
        "Login is unavailable: this server's Authing settings are wrong (the operator has been told)",
      ]);
      expect(table.callsFor('rotating')).toBe(2);
      expect(logs.takeProblems()).toEqual([
        {
          level: 'error',
          context: 'App2Wxapp',
          message: expect.stringMatching(
            /^Login is misconfigured \(pool rotating, ticket #[0-9a-f]+\): .*check the option "secret" \(misconfigured, code 2003/,
          ),
        },
      ]);

      // The operator rotates the secret in the table; the app is not restarted and is not told.
      await table.setSecret('rotating', 'rotated-new-secret-c0ffee');
      rotating.reset();
      const ticket = rotating.issueTicket({ unionid: 'oRotated' });
      const res = await login('rotating', ticket);
      expect([res.status, res.body.user]).toEqual([200, { tenant: 'rotating', id: rotating.userId('oRotated') }]);
      expect(rotating.requests.map((r) => (r.body as any).secret)).toEqual(['rotated-old-secret-dead', 'rotated-new-secret-c0ffee']);
      expect(table.callsFor('rotating')).toBe(3);
      expect(logs.takeProblems()).toEqual([
        { level: 'error', context: 'App2Wxapp', message: expect.stringMatching(/^Login is misconfigured \(pool rotating, .*code 2003/) },
        {
          level: 'warn',
          context: 'App2Wxapp',
          message: 'Tenant rotating: Authing refused its secret; the tenant source has a new one, so the login is retried once with it',
        },
      ]);
      // The ticket was used once, by the retry: presenting it again is a replay.
      expect((await login('rotating', ticket)).body.message).toBe('This ticket has already been used');
      expect(logs.takeProblems()).toEqual([
        { level: 'warn', context: 'App2Wxapp', message: expect.stringMatching(/^Refused a ticket that was already presented/) },
      ]);
      expect((await login('rotating', rotating.issueTicket())).status).toBe(200);
      expectNoSecrets(logs.entries.map((e) => e.message).join('\n') + stale.text + res.text);
    } finally {
      await rotating.close();
    }
  });

  it('a pushed update takes effect for the next login', async () => {
    await addTenant('acme', 'acme');
    await boot();
    expect((await login('acme', emulators.acme.issueTicket())).status).toBe(200);
    // acme moves to another Authing pool (its own emulator here): pushed by the app after it wrote its table.
    tenants().update('acme', { ...POOLS.globex, host: emulators.globex.url, validateUser: table.validateUser });
    const res = await login('acme', emulators.globex.issueTicket({ unionid: 'oMoved' }));
    expect([res.status, res.body.user]).toEqual([200, { tenant: 'acme', id: emulators.globex.userId('oMoved') }]);
    expect([emulators.acme.requestCount, emulators.globex.requestCount]).toEqual([1, 1]);
    expect(() => tenants().register('acme', { ...POOLS.acme, host: emulators.acme.url })).toThrow(
      'the tenant "acme" is already registered; use update() to change it',
    );
    expect(() => tenants().update('bad', { userPoolId: 'x', secret: 's', host: 'ftp://nope' } as never)).toThrow(
      'App2WxappTenants: tenant "bad": invalid options: host must use https: (got ftp:)',
    );
    expect(table.calls).toEqual(['acme']);
  });

  it('a removed tenant: 401 from the next login on, and its connections to Authing closed', async () => {
    const relay = await ConnectionCounter.start(emulators.acme.url);
    try {
      await addTenant('acme', 'acme', relay.url);
      await boot();
      expect((await login('acme', emulators.acme.issueTicket())).status).toBe(200);
      expect(relay.open).toBe(1); // the tenant's keep-alive connection

      await table.delete('acme');
      expect(tenants().remove('acme')).toBe(true);
      await eventually(() => relay.open === 0);
      const res = await login('acme', emulators.acme.issueTicket());
      expect([res.status, res.body.message]).toEqual([401, 'This request names no tenant that this app knows']);
      expect(emulators.acme.requestCount).toBe(1);
      expect(table.calls).toEqual(['acme', 'acme']);
    } finally {
      await relay.close();
    }
  });

  it('bad options for one tenant: 500 for that tenant only, naming it and the options (never their values), logged at ERROR once; the others log in', async () => {
    await addTenant('acme', 'acme');
    await table.upsert('broken', {
      userPoolId: 'tenant-pool-broken',
      secret: null,
      host: 'http://authing.example.com',
      extra: { timeoutMs: 'fast' },
    });
    await table.upsert('default', { ...POOLS.initech, host: emulators.initech.url });
    await boot();

    for (let i = 0; i < 2; i++) {
      const res = await login('broken', emulators.acme.issueTicket());
      expect(res.status).toBe(500);
      expect(res.body.message).toBe(
        'Login is unavailable: the settings of tenant "broken" are invalid (option "secret", option "host", option "timeoutMs"); the operator has been told',
      );
      expect(res.text).not.toContain('authing.example.com');
    }
    expect(table.callsFor('broken')).toBe(1);
    expect((await login('acme', emulators.acme.issueTicket())).status).toBe(200);

    // A tenant may not shadow a static pool's name.
    const shadow = await login('default', emulators.initech.issueTicket());
    expect([shadow.status, shadow.body.message]).toEqual([
      500,
      'Login is unavailable: the settings of tenant "default" are invalid (option "name"); the operator has been told',
    ]);

    const problems = logs.takeProblems();
    expect(problems).toEqual([
      {
        level: 'error',
        context: 'App2Wxapp',
        message: expect.stringMatching(
          /^Tenant broken cannot log users in: invalid options: secret is required.*; host must use https:.*; timeoutMs must /,
        ),
      },
      {
        level: 'error',
        context: 'App2Wxapp',
        message: 'Tenant default cannot log users in: its name is the name of a pool that App2WxappModule.forRoot() registers',
      },
    ]);
    expect(problems[0].message).not.toContain('authing.example.com');
    expect(tenants().snapshot()).toMatchObject({ loaded: 1, invalid: 2, resident: 1 });
    expect([emulators.initech.requestCount]).toEqual([0]);
  });

  it('the source down: loaded tenants keep working, new ones get 503 with Retry-After', async () => {
    const own = await TenantTable.open();
    try {
      await own.upsert('acme', { ...POOLS.acme, host: emulators.acme.url });
      await own.upsert('globex', { ...POOLS.globex, host: emulators.globex.url });
      await boot({ refreshMs: 0 }, own);
      expect((await login('acme', emulators.acme.issueTicket())).status).toBe(200);

      await own.close(); // the database goes away
      const loaded = await login('acme', emulators.acme.issueTicket());
      expect(loaded.status).toBe(200);
      const fresh = await login('globex', emulators.globex.issueTicket());
      expect([fresh.status, fresh.body.message]).toEqual([503, 'Login is unavailable: the tenant directory does not answer; try again shortly']);
      expect(fresh.headers.get('retry-after')).toBe('1');
      // Remembered briefly: the next login of that tenant does not ask the database again.
      const again = await login('globex', emulators.globex.issueTicket());
      expect(again.status).toBe(503);
      expect(own.callsFor('globex')).toBe(1);
      expect(emulators.globex.requestCount).toBe(0);

      await eventually(() => logs.entries.filter((e) => e.level === 'warn').length >= 2);
      expect(logs.takeProblems()).toEqual(
        expect.arrayContaining([
          {
            level: 'warn',
            context: 'App2Wxapp',
            message: expect.stringMatching(/^The tenant source failed to refresh tenant acme \(\w+.*\); it keeps its loaded settings$/),
          },
          {
            level: 'warn',
            context: 'App2Wxapp',
            message: expect.stringMatching(/^The tenant source failed to load tenant globex \(\w+.*\); its logins answer 503 until it answers$/),
          },
        ]),
      );
      expect(tenants().snapshot()).toMatchObject({ loaded: 1, sourceDown: true });
    } finally {
      await own.close();
    }
  });

  it('a ticket presented to two tenants that share one Authing user pool: refused, Authing asked once', async () => {
    await addTenant('acme', 'acme');
    await addTenant('acme-copy', 'acme');
    await boot();
    const ticket = emulators.acme.issueTicket();
    expect((await login('acme', ticket)).status).toBe(200);

    const twin = await login('acme-copy', ticket);
    expect([twin.status, twin.body.message]).toEqual([
      500,
      'Login is unavailable: the settings of tenant "acme-copy" are invalid (option "userPoolId"); the operator has been told',
    ]);
    expect(logs.takeProblems()).toEqual([
      {
        level: 'error',
        context: 'App2Wxapp',
        message: 'Tenant acme-copy cannot log users in: its userPoolId is also the user pool of tenant "acme"; a user pool belongs to one tenant',
      },
    ]);

    // acme is renamed in the table: the new name loads (the source no longer gives acme that pool), and the ticket,
    // claimed under the user pool and not the name, still cannot log in twice.
    await table.delete('acme');
    await addTenant('acme-renamed', 'acme');
    const renamed = await login('acme-renamed', ticket);
    expect([renamed.status, renamed.body.message]).toEqual([401, 'This ticket has already been used']);
    expect(logs.takeProblems()).toEqual([
      { level: 'warn', context: 'App2Wxapp', message: expect.stringMatching(/^Refused a ticket that was already presented \(pool acme-renamed/) },
    ]);
    expect(emulators.acme.requestCount).toBe(1);
    expect((await login('acme-renamed', emulators.acme.issueTicket())).status).toBe(200);
    expect((await login('acme', emulators.acme.issueTicket())).status).toBe(401);
  });

  it('the LRU bound: the least recently used tenant is evicted, its connections closed, and reloaded on its next login', async () => {
    const relay = await ConnectionCounter.start(emulators.acme.url);
    try {
      await addTenant('acme', 'acme', relay.url);
      await addTenant('globex', 'globex');
      await addTenant('initech', 'initech');
      await boot({ maxTenants: 2 });
      expect((await login('acme', emulators.acme.issueTicket())).status).toBe(200);
      expect((await login('globex', emulators.globex.issueTicket())).status).toBe(200);
      expect(relay.open).toBe(1);
      expect((await login('initech', emulators.initech.issueTicket())).status).toBe(200);
      expect(tenants().snapshot()).toMatchObject({ loaded: 2, resident: 2 });
      await eventually(() => relay.open === 0);

      expect((await login('acme', emulators.acme.issueTicket())).status).toBe(200);
      expect(table.calls).toEqual(['acme', 'globex', 'initech', 'acme']);
    } finally {
      await relay.close();
    }
  });

  it('the idle close: a tenant without logins has its pipeline and connections closed; its next login builds them again', async () => {
    const relay = await ConnectionCounter.start(emulators.acme.url);
    try {
      await addTenant('acme', 'acme', relay.url);
      await boot({ idleCloseMs: 100 });
      expect((await login('acme', emulators.acme.issueTicket())).status).toBe(200);
      await eventually(() => tenants().snapshot().resident === 0 && relay.open === 0);
      expect(tenants().snapshot()).toMatchObject({ loaded: 1, resident: 0 });

      expect((await login('acme', emulators.acme.issueTicket())).status).toBe(200);
      expect(table.calls).toEqual(['acme']); // the options stayed loaded
    } finally {
      await relay.close();
    }
  });

  it('the authenticator by tenant name, for other transports', async () => {
    await addTenant('acme', 'acme');
    await boot();
    const user = await tenants()
      .authenticator('acme')
      .authenticate(emulators.acme.issueTicket({ unionid: 'oWs' }), { transport: 'ws' });
    expect(user).toEqual({ tenant: 'acme', id: emulators.acme.userId('oWs') });
    await expect(tenants().authenticator('nobody').authenticate(emulators.acme.issueTicket())).rejects.toMatchObject({
      status: 401,
      kind: 'unknown-pool',
    });
    await expect(tenants().authenticator('acme').authenticate('not a ticket')).rejects.toMatchObject({ status: 401, kind: 'invalid-ticket' });
  });
});
