import { SpanKind } from '@opentelemetry/api';
import { App2WxappModule } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { histogramCount, type OtelSdk, recordedStrings, registerOtelSdk } from './support/otel-sdk';
import { TenantLoginController } from './support/tenant-login.controller';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app';

const TENANT_POOL = 'pool-telemetry-tenant-acme';
const TENANT_SECRET = 'telemetry-tenant-secret-6c2e';
const STATIC_POOL = 'pool-telemetry-tenant-static';
const STATIC_SECRET = 'telemetry-static-secret-91d4';

describe.each(ADAPTERS)('OpenTelemetry for tenants on %s', (adapter) => {
  let sdk: OtelSdk;
  let tenantUpstream: App2WxappEmulator;
  let staticUpstream: App2WxappEmulator;
  let running: RunningApp;

  beforeAll(async () => {
    sdk = registerOtelSdk();
    tenantUpstream = await App2WxappEmulator.start({ userPoolId: TENANT_POOL, secret: TENANT_SECRET });
    staticUpstream = await App2WxappEmulator.start({ userPoolId: STATIC_POOL, secret: STATIC_SECRET });
    running = await startApp(
      adapter,
      [
        App2WxappModule.forRoot({ userPoolId: STATIC_POOL, secret: STATIC_SECRET, host: staticUpstream.url }),
        App2WxappModule.forTenants({
          resolveTenant: (name) => (name === 'acme' ? { userPoolId: TENANT_POOL, secret: TENANT_SECRET, host: tenantUpstream.url } : undefined),
        }),
      ],
      { controllers: [TenantLoginController] },
    );
  });
  afterAll(async () => {
    await running.close();
    await Promise.all([tenantUpstream.close(), staticUpstream.close()]);
    await sdk.shutdown();
  });

  it("names the tenant on its spans, and only 'tenant' on metrics", async () => {
    const ticket = tenantUpstream.issueTicket();
    expect((await running.post('/tenants/acme/login', { ticket })).status).toBe(200);
    expect((await running.post('/login', { ticket: staticUpstream.issueTicket() })).status).toBe(200);

    const [tenantLogin, staticLogin] = sdk.spans('app2wxapp.login');
    expect(tenantLogin.kind).toBe(SpanKind.INTERNAL);
    expect(tenantLogin.attributes).toEqual({
      'app2wxapp.pool': 'tenant',
      'app2wxapp.tenant': 'acme',
      'app2wxapp.user_pool.id': TENANT_POOL,
      'app2wxapp.outcome': 'success',
      'http.response.status_code': 200,
    });
    // A static pool's span has no tenant attribute.
    expect(staticLogin.attributes).toEqual({
      'app2wxapp.pool': 'default',
      'app2wxapp.user_pool.id': STATIC_POOL,
      'app2wxapp.outcome': 'success',
      'http.response.status_code': 200,
    });
    const exchange = sdk.spans('app2wxapp.exchange').find((span) => span.parentSpanContext?.spanId === tenantLogin.spanContext().spanId);
    expect(exchange?.kind).toBe(SpanKind.CLIENT);
    expect(exchange?.attributes).toMatchObject({ 'app2wxapp.pool': 'tenant', 'app2wxapp.tenant': 'acme', 'app2wxapp.user_pool.id': TENANT_POOL });

    const points = await sdk.collect();
    for (const name of ['app2wxapp.login.duration', 'app2wxapp.exchange.duration']) {
      expect(histogramCount(points, name, { 'app2wxapp.outcome': 'success', 'app2wxapp.pool': 'tenant' })).toBe(1);
      expect(histogramCount(points, name, { 'app2wxapp.outcome': 'success', 'app2wxapp.pool': 'default' })).toBe(1);
    }
    // The tenant's name stays off metrics (they must stay bounded), and no ticket is recorded anywhere.
    expect(points.some((p) => 'app2wxapp.tenant' in p.attributes)).toBe(false);
    expect(recordedStrings(sdk.spans(), points).join('\n')).not.toContain(ticket);
  });
});
