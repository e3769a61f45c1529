// The package is imported first, as an app's main.ts does; the SDK is registered afterwards, before the app is created.
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { App2WxappModule } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { histogramCount, type OtelSdk, registerOtelSdk } from './support/otel-sdk';
import { ADAPTERS, type AdapterName, LoginController, request } from './support/test-app';

const POOL = 'pool-telemetry-late-sdk';
const SECRET = 'telemetry-late-sdk-secret-91ab';
const SUCCESS = { 'app2wxapp.outcome': 'success', 'app2wxapp.pool': 'default' };

function appModule(host: string) {
  @Module({ imports: [App2WxappModule.forRoot({ userPoolId: POOL, secret: SECRET, host })], controllers: [LoginController] })
  class AppModule {}
  return AppModule;
}

async function createApp(adapter: AdapterName, host: string): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(appModule(host), adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe.each(ADAPTERS)('an SDK registered after the package was imported, on %s', (adapter) => {
  let emulator: App2WxappEmulator;
  let sdk: OtelSdk | undefined;
  let app: INestApplication | undefined;

  beforeEach(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await sdk?.shutdown();
    sdk = undefined;
    await emulator.close();
  });

  it('records metrics and spans when it is registered before NestFactory.create', async () => {
    sdk = registerOtelSdk();
    const created = await createApp(adapter, emulator.url);
    app = created.app;
    expect((await request(`${created.url}/login`, { ticket: emulator.issueTicket() })).status).toBe(200);
    expect(histogramCount(await sdk.collect(), 'app2wxapp.login.duration', SUCCESS)).toBe(1);
    expect(sdk.spans('app2wxapp.login')).toHaveLength(1);
  });

  // Why docs/telemetry.md says "before the app is created": the metrics API has no proxy.
  it('records no metrics (spans still) when it is registered after the app was created', async () => {
    const created = await createApp(adapter, emulator.url);
    app = created.app;
    sdk = registerOtelSdk();
    expect((await request(`${created.url}/login`, { ticket: emulator.issueTicket() })).status).toBe(200);
    expect(histogramCount(await sdk.collect(), 'app2wxapp.login.duration', SUCCESS)).toBe(0);
    expect(sdk.spans('app2wxapp.login')).toHaveLength(1);
  });
});
