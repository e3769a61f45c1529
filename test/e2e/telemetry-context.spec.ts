import diagnostics from 'node:diagnostics_channel';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { App2WxappModule, type App2WxappProfile } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { type OtelSdk, registerOtelSdk } from './support/otel-sdk';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app';

const POOL = 'pool-telemetry-context';
const SECRET = 'telemetry-context-secret-5a0c';
const HTTP_CLIENT_START = 'http.client.request.start';

/** With a context manager (as @opentelemetry/sdk-node registers), the package's spans are the active ones. */
describe.each(ADAPTERS)('active spans during a login on %s', (adapter) => {
  let sdk: OtelSdk;
  let emulator: App2WxappEmulator;
  let running: RunningApp;
  /** The active span's id where the app's code and the HTTP client ran. */
  const seen: { validateUser?: string; upstreamRequest?: string } = {};
  const onRequest = () => (seen.upstreamRequest = trace.getActiveSpan()?.spanContext().spanId);

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    sdk = registerOtelSdk();
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
    const validateUser = (profile: App2WxappProfile) => {
      seen.validateUser = trace.getActiveSpan()?.spanContext().spanId;
      trace.getTracer('app').startSpan('app.find-user').end(); // the app's own span, e.g. a database query
      return profile;
    };
    running = await startApp(adapter, [App2WxappModule.forRoot({ userPoolId: POOL, secret: SECRET, host: emulator.url, validateUser })]);
    diagnostics.subscribe(HTTP_CLIENT_START, onRequest);
  });
  afterAll(async () => {
    diagnostics.unsubscribe(HTTP_CLIENT_START, onRequest);
    await running.close();
    await emulator.close();
    await sdk.shutdown();
    context.disable();
  });

  it('validateUser runs under the login span, the upstream request under the exchange span', async () => {
    expect((await running.post('/login', { ticket: emulator.issueTicket() })).status).toBe(200);
    const [login] = sdk.spans('app2wxapp.login');
    const [exchange] = sdk.spans('app2wxapp.exchange');
    const [own] = sdk.spans('app.find-user');
    expect(seen).toEqual({ validateUser: login.spanContext().spanId, upstreamRequest: exchange.spanContext().spanId });
    expect(own.parentSpanContext?.spanId).toBe(login.spanContext().spanId);
    expect(own.spanContext().traceId).toBe(login.spanContext().traceId);
  });
});
