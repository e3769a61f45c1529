import { Body, Controller, HttpCode, Module, Post, UseGuards } from '@nestjs/common';
import {
  App2WxappAuthenticator,
  App2WxappClient,
  App2WxappGuard,
  App2WxappModule,
  App2WxappUser,
  getApp2WxappAuthenticatorToken,
  getApp2WxappClientToken,
  InjectApp2WxappAuthenticator,
  InjectApp2WxappClient,
} from 'nestjs-app2wxapp';
import { ADAPTERS, startApp } from './support/test-app';
import { POOL_A, POOL_B, startTwoEmulators, type TwoEmulators, twoPoolModules } from './support/two-pools';

@Controller('inject')
class InjectingController {
  constructor(
    readonly defaultAuthenticator: App2WxappAuthenticator,
    @InjectApp2WxappAuthenticator('genauth') readonly genauthAuthenticator: App2WxappAuthenticator,
    readonly defaultClient: App2WxappClient,
    @InjectApp2WxappClient('genauth') readonly genauthClient: App2WxappClient,
  ) {}

  @Post('genauth')
  @HttpCode(200)
  async login(@Body() body: { ticket: unknown }) {
    return { user: await this.genauthAuthenticator.authenticate(body.ticket) };
  }

  @Post('genauth/exchange')
  @HttpCode(200)
  async exchange(@Body() body: { ticket: string }) {
    return { id: (await this.genauthClient.exchangeTicket(body.ticket)).id };
  }
}

/** A feature module that does not import App2WxappModule: the app module does, once per pool, without isGlobal. */
@Controller('feature')
class FeatureController {
  @Post('default')
  @HttpCode(200)
  @UseGuards(App2WxappGuard)
  byDefault(@App2WxappUser() user: { userPoolId: string }) {
    return { userPoolId: user.userPoolId };
  }

  @Post('genauth')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forPool('genauth'))
  genauth(@App2WxappUser() user: { userPoolId: string }) {
    return { userPoolId: user.userPoolId };
  }
}

@Module({ controllers: [FeatureController] })
class FeatureModule {}

describe('named pools: names', () => {
  it.each(['', 'two words', 'a:b', '-leading-dash', 'x'.repeat(65), 42])(
    'an invalid pool name (%p) is refused where forRoot/forRootAsync is called',
    (name) => {
      const message = /App2WxappModule: name must be 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit/;
      expect(() => App2WxappModule.forRoot({ name: name as string, userPoolId: 'p1' })).toThrow(message);
      expect(() => App2WxappModule.forRootAsync({ name: name as string, useFactory: () => ({ userPoolId: 'p1' }) })).toThrow(message);
    },
  );
});

describe.each(ADAPTERS)('named pools: wiring on %s', (adapter) => {
  let emulators: TwoEmulators;
  const pool = (name: string | undefined, userPoolId: string) => App2WxappModule.forRoot({ name, userPoolId, secret: 's', host: emulators.a.url });

  beforeAll(async () => {
    emulators = await startTwoEmulators();
  });
  afterAll(() => emulators.close());
  beforeEach(() => emulators.reset());

  it.each([
    [
      'a second default pool',
      () => [pool(undefined, 'p1'), pool(undefined, 'p2')],
      /the default pool is registered twice; give the second forRoot\(\)\/forRootAsync\(\) a name/,
    ],
    ['name "default" beside a default pool', () => [pool(undefined, 'p1'), pool('default', 'p2')], /the default pool is registered twice/],
    ['two pools with one name', () => [pool('genauth', 'p1'), pool('genauth', 'p2')], /the pool "genauth" is registered twice/],
    [
      'forRootAsync and forRoot with one name',
      () => [pool('genauth', 'p1'), App2WxappModule.forRootAsync({ name: 'genauth', useFactory: () => ({ userPoolId: 'p2', secret: 's' }) })],
      /the pool "genauth" is registered twice/,
    ],
    [
      'two names for one user pool id',
      () => [pool(undefined, 'same-id'), pool('genauth', 'same-id')],
      /the pools "default" and "genauth" both use user pool same-id; register it once/,
    ],
    [
      'an invalid option in a named pool',
      () => [App2WxappModule.forRoot({ name: 'genauth', userPoolId: 'p1', secret: 's', timeoutMs: -1 })],
      /App2WxappModule "genauth": invalid options: timeoutMs must be a positive number/,
    ],
  ])('the app does not boot with %s', async (_case, imports, message) => {
    await expect(startApp(adapter, imports())).rejects.toThrow(message);
  });

  it('injects each pool by name, the default pool by class; the token getters give the same instances', async () => {
    const running = await startApp(adapter, twoPoolModules(emulators), { controllers: [InjectingController] });
    try {
      const controller = running.app.get(InjectingController);
      expect(getApp2WxappAuthenticatorToken()).toBe(App2WxappAuthenticator);
      expect(getApp2WxappClientToken()).toBe(App2WxappClient);
      expect(running.app.get(App2WxappAuthenticator)).toBe(controller.defaultAuthenticator);
      expect(running.app.get(getApp2WxappAuthenticatorToken('genauth'))).toBe(controller.genauthAuthenticator);
      expect(running.app.get(getApp2WxappClientToken('genauth'))).toBe(controller.genauthClient);
      expect([controller.defaultAuthenticator.pool, controller.defaultAuthenticator.userPoolId]).toEqual(['default', POOL_A.userPoolId]);
      expect([controller.genauthAuthenticator.pool, controller.genauthAuthenticator.userPoolId]).toEqual(['genauth', POOL_B.userPoolId]);
      expect(controller.genauthClient).not.toBe(controller.defaultClient);

      const login = await running.post('/inject/genauth', { ticket: emulators.b.issueTicket({ unionid: 'oInjected' }) });
      expect([login.status, login.body.user.id]).toEqual([200, emulators.b.userId('oInjected')]);
      const exchange = await running.post('/inject/genauth/exchange', { ticket: emulators.b.issueTicket({ unionid: 'oExchanged' }) });
      expect([exchange.status, exchange.body.id]).toEqual([200, emulators.b.userId('oExchanged')]);
      expect([emulators.a.requestCount, emulators.b.requestCount]).toEqual([0, 2]);
    } finally {
      await running.close();
    }
  });

  it('guards work in a feature module that does not import App2WxappModule', async () => {
    const running = await startApp(adapter, [...twoPoolModules(emulators), FeatureModule]);
    try {
      const a = await running.post('/feature/default', { ticket: emulators.a.issueTicket() });
      const b = await running.post('/feature/genauth', { ticket: emulators.b.issueTicket() });
      expect([a.status, a.body]).toEqual([200, { userPoolId: POOL_A.userPoolId }]);
      expect([b.status, b.body]).toEqual([200, { userPoolId: POOL_B.userPoolId }]);
    } finally {
      await running.close();
    }
  });
});
