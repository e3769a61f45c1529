import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { type App2WxappAppLaunchModuleOptions, App2WxappGuard, App2WxappModule, type App2WxappProfile, App2WxappUser } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { CapturedLogs } from './support/captured-logs';
import { registerOtelSdk, type OtelSdk } from './support/otel-sdk';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app';

const APP = { appId: 'alt-app', appSecret: 'alt-app-secret-7f3e21', connection: 'wx-tenant-launch', clientAuth: 'client_secret_post' } as const;
const STALE_SECRET = 'alt-stale-secret-0b8d55';

@Controller()
class TenantLaunchController {
  @Post('tenants/launch')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forTenant((request) => request.headers['x-tenant']))
  login(@App2WxappUser() user: unknown) {
    return { user };
  }

  @Post('launch')
  @HttpCode(200)
  @UseGuards(App2WxappGuard)
  pool(@App2WxappUser() user: unknown) {
    return { user };
  }
}

describe.each(ADAPTERS)('app-launch tenants and telemetry on %s', (adapter) => {
  let emulator: App2WxappEmulator;
  let running: RunningApp | undefined;
  let logs: CapturedLogs;
  let sdk: OtelSdk;
  let seen: string[];

  const options = (appSecret: string): App2WxappAppLaunchModuleOptions<any> => ({
    flow: 'app-launch',
    userPoolId: 'alt-user-pool',
    appId: APP.appId,
    appSecret,
    appHost: emulator.url,
    connection: APP.connection,
    validateUser: (profile: App2WxappProfile) => {
      seen.push(profile.tokens!.accessToken, profile.tokens!.idToken);
      return { id: profile.id, flow: profile.flow };
    },
  });

  const issue = (unionid: string) => {
    const codes = emulator.issueCodes({ unionid }, { appId: APP.appId });
    seen.push(codes.code, codes.phoneInfoCode);
    return { code: codes.code, phoneInfoCode: codes.phoneInfoCode, userId: codes.userId };
  };
  const signins = () => emulator.requests.filter((r) => r.path === '/api/v3/signin-by-mobile').length;

  beforeAll(async () => {
    sdk = registerOtelSdk();
    emulator = await App2WxappEmulator.start({ userPoolId: 'alt-ticket-pool', apps: [APP] });
  });

  beforeEach(() => {
    logs = new CapturedLogs();
    seen = [APP.appSecret, STALE_SECRET];
    sdk.resetSpans();
  });

  afterEach(async () => {
    await running?.close();
    running = undefined;
    emulator.reset();
  });

  afterAll(async () => {
    await emulator.close();
    await sdk.shutdown();
  });

  it('logs a user in to a tenant whose source answers app-launch options', async () => {
    running = await startApp(
      adapter,
      [App2WxappModule.forTenants({ resolveTenant: (name) => (name === 'acme' ? options(APP.appSecret) : undefined) })],
      { controllers: [TenantLaunchController] },
      (app) => app.useLogger(logs),
    );
    const codes = issue('o-alt-ann');
    const answer = await running.post('/tenants/launch', codes, { 'x-tenant': 'acme' });
    expect(answer.status).toBe(200);
    expect(answer.body.user).toEqual({ id: codes.userId, flow: 'app-launch' });
    const replay = await running.post('/tenants/launch', codes, { 'x-tenant': 'acme' });
    expect(replay.status).toBe(401);
    expect(logs.takeProblems()).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('already presented') })]);
  });

  it('reloads a tenant whose appSecret Authing refused, and retries the login once with the new secret', async () => {
    let calls = 0;
    running = await startApp(
      adapter,
      [
        App2WxappModule.forTenants({
          // The first answer holds a secret rotated away since; the source has the current one when asked again.
          resolveTenant: () => options(++calls === 1 ? STALE_SECRET : APP.appSecret),
        }),
      ],
      { controllers: [TenantLaunchController] },
      (app) => app.useLogger(logs),
    );
    const codes = issue('o-alt-ben');
    const answer = await running.post('/tenants/launch', codes, { 'x-tenant': 'acme' });
    expect(answer.status).toBe(200);
    expect(calls).toBe(2);
    expect(signins()).toBe(2);
    const problems = logs.takeProblems();
    expect(problems).toEqual([
      expect.objectContaining({ level: 'error', message: expect.stringContaining('check the option "appSecret"') }),
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('Authing refused its secret; the tenant source has a new one') }),
    ]);
    for (const value of seen) expect(problems.map((p) => p.message).join('\n')).not.toContain(value);
  });

  it('records login and exchange spans for an app-launch pool that carry no code, token or secret', async () => {
    running = await startApp(adapter, [App2WxappModule.forRoot(options(APP.appSecret))], { controllers: [TenantLaunchController] }, (app) =>
      app.useLogger(logs),
    );
    const ok = issue('o-alt-cy');
    expect((await running.post('/launch', ok)).status).toBe(200);
    emulator.failNext('http500', 1, { on: 'profile' });
    const failing = issue('o-alt-cy');
    expect((await running.post('/launch', failing)).status).toBe(502);

    const logins = sdk.spans('app2wxapp.login');
    expect(logins.map((s) => s.attributes['http.response.status_code'])).toEqual([200, 502]);
    expect(logins[0].attributes).toMatchObject({ 'app2wxapp.pool': 'default', 'app2wxapp.outcome': 'success' });
    expect(sdk.spans('app2wxapp.exchange')).toHaveLength(2);
    const recorded = JSON.stringify(sdk.spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    for (const value of seen) expect(recorded).not.toContain(value);
    expect(logs.takeProblems()).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('upstream-error') })]);
  });
});
