import { Controller, ForbiddenException, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  App2WxappAuthenticator,
  App2WxappGuard,
  App2WxappModule,
  type App2WxappModuleOptions,
  App2WxappUser,
  type TicketReplayStore,
} from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { registerOtelSdk, type OtelSdk } from './support/otel-sdk';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app';

const POOL = 'pool-telemetry';
const NAMED_POOL = 'pool-telemetry-genauth';
const SECRET = 'telemetry-secret-3b9f0c';
const TIMEOUT_MS = 700;
const UNKNOWN_TICKET = `eyJhbGciOiJIUzI1NiJ9.eyJ1bmtub3duIjoxfQ.${Buffer.from('unknown-telemetry').toString('base64url')}`;

@Controller()
class EntriesController {
  @Post('genauth')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forPool('genauth'))
  genauth(@App2WxappUser() user: unknown) {
    return { user };
  }

  @Post('passport')
  @HttpCode(200)
  @UseGuards(AuthGuard('app2wxapp'))
  passport(@App2WxappUser() user: unknown) {
    return { user };
  }
}

/** A store whose claim fails: Redis down, say. */
const brokenStore: TicketReplayStore = {
  claim: () => Promise.reject(new Error('connection refused')),
  release: () => Promise.resolve(),
};

describe.each(ADAPTERS)('OpenTelemetry spans on %s', (adapter) => {
  let sdk: OtelSdk;
  let emulator: App2WxappEmulator;
  let named: App2WxappEmulator;
  let running: RunningApp | undefined;

  const boot = async (options: Partial<App2WxappModuleOptions<any>> = {}) => {
    running = await startApp(
      adapter,
      [
        App2WxappModule.forRoot({ userPoolId: POOL, secret: SECRET, host: emulator.url, timeoutMs: TIMEOUT_MS, ...options }),
        App2WxappModule.forRoot({ name: 'genauth', userPoolId: NAMED_POOL, secret: SECRET, host: named.url }),
      ],
      { controllers: [EntriesController] },
    );
    return running;
  };
  const login = (body: unknown = { ticket: emulator.issueTicket() }, path = '/login') => running!.post(path, body);

  /** The one login span of the test, with the attributes every login span carries. */
  const loginSpan = (outcome: string, status: number, pool = 'default', userPoolId = POOL): ReadableSpan => {
    const spans = sdk.spans('app2wxapp.login');
    expect(spans).toHaveLength(1);
    const [span] = spans;
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.instrumentationScope.name).toBe('nestjs-app2wxapp');
    expect(span.attributes).toMatchObject({
      'app2wxapp.outcome': outcome,
      'app2wxapp.pool': pool,
      'app2wxapp.user_pool.id': userPoolId,
      'http.response.status_code': status,
    });
    // A 4xx is an answer, not an error.
    expect(span.status.code).toBe(status >= 500 ? SpanStatusCode.ERROR : SpanStatusCode.UNSET);
    return span;
  };

  /** The exchange span under `login`, or a failure when there is none or more than one. */
  const exchangeSpan = (login: ReadableSpan, upstream = emulator): ReadableSpan => {
    const spans = sdk.spans('app2wxapp.exchange');
    expect(spans).toHaveLength(1);
    const [span] = spans;
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.spanContext().traceId).toBe(login.spanContext().traceId);
    expect(span.parentSpanContext?.spanId).toBe(login.spanContext().spanId);
    expect(span.attributes).toMatchObject({ 'server.address': '127.0.0.1', 'server.port': Number(new URL(upstream.url).port) });
    return span;
  };
  const noExchangeSpan = () => expect(sdk.spans('app2wxapp.exchange')).toEqual([]);

  beforeAll(async () => {
    sdk = registerOtelSdk();
    named = await App2WxappEmulator.start({ userPoolId: NAMED_POOL, secret: SECRET });
  });
  afterAll(async () => {
    await named.close();
    await sdk.shutdown();
  });
  beforeEach(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await emulator.close();
    sdk.resetSpans();
  });

  describe('one app2wxapp.login span per login, with its outcome', () => {
    it('success: 200, and a CLIENT exchange span under it with the upstream status', async () => {
      await boot();
      expect((await login()).status).toBe(200);
      const span = exchangeSpan(loginSpan('success', 200));
      expect(span.attributes['http.response.status_code']).toBe(200);
      expect(span.attributes['error.type']).toBeUndefined();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    });

    it.each([
      ['no ticket', {}],
      ['a malformed ticket', { ticket: 'not a ticket!' }],
      ['a cancelled extMsg', () => ({ extMsg: emulator.issueExtMsg({}, 'cancel') })],
    ])('invalid-ticket (%s): 401, upstream not called, no exchange span', async (_name, body) => {
      await boot();
      expect((await login(typeof body === 'function' ? body() : body)).status).toBe(401);
      loginSpan('invalid-ticket', 401);
      noExchangeSpan();
      expect(emulator.requestCount).toBe(0);
    });

    it('replayed: the second presentation of a ticket is its own span, without an exchange', async () => {
      await boot();
      const ticket = emulator.issueTicket();
      expect((await login({ ticket })).status).toBe(200);
      sdk.resetSpans();
      expect((await login({ ticket })).status).toBe(401);
      loginSpan('replayed', 401);
      noExchangeSpan();
    });

    it('rejected: Authing refuses the ticket (401); the exchange span has its HTTP status and no error', async () => {
      await boot();
      expect((await login({ ticket: UNKNOWN_TICKET })).status).toBe(401);
      const span = exchangeSpan(loginSpan('rejected', 401));
      expect(span.attributes).toMatchObject({ 'app2wxapp.outcome': 'rejected', 'http.response.status_code': 200 });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    });

    it('blocked: a blocked user gets 403, after a successful exchange', async () => {
      await boot();
      const ticket = emulator.issueTicket({ unionid: 'oBlockedTelemetryUser000000001' });
      emulator.blockUser('oBlockedTelemetryUser000000001');
      expect((await login({ ticket })).status).toBe(403);
      expect(exchangeSpan(loginSpan('blocked', 403)).attributes['app2wxapp.outcome']).toBe('success');
    });

    it('refused-by-app: validateUser answers null (401)', async () => {
      await boot({ validateUser: () => null });
      expect((await login()).status).toBe(401);
      exchangeSpan(loginSpan('refused-by-app', 401));
    });

    it('refused-by-app: validateUser throws a 403', async () => {
      await boot({
        validateUser: () => {
          throw new ForbiddenException('Not on the guest list');
        },
      });
      expect((await login()).status).toBe(403);
      loginSpan('refused-by-app', 403);
    });

    it('upstream-error: Authing answers 500 → 502, ERROR on both spans, error.type on the exchange', async () => {
      await boot();
      emulator.failNext('http500');
      expect((await login()).status).toBe(502);
      const span = exchangeSpan(loginSpan('upstream-error', 502));
      expect(span.attributes).toMatchObject({
        'http.response.status_code': 500,
        'error.type': 'upstream-error',
        'app2wxapp.outcome': 'upstream-error',
      });
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    });

    it('timeout: Authing hangs → 504, error.type timeout', async () => {
      await boot();
      emulator.failNext('hang');
      expect((await login()).status).toBe(504);
      const span = exchangeSpan(loginSpan('timeout', 504));
      expect(span.attributes['error.type']).toBe('timeout');
      expect(span.attributes['http.response.status_code']).toBeUndefined(); // no answer came
    });

    it('circuit-open: 503 once the circuit opened; the exchange span says so and upstream is not called', async () => {
      await boot({ circuitBreaker: { threshold: 1, cooldownMs: 60_000 } });
      emulator.failNext('http500');
      expect((await login()).status).toBe(502);
      sdk.resetSpans();
      expect((await login()).status).toBe(503);
      expect(exchangeSpan(loginSpan('circuit-open', 503)).attributes['error.type']).toBe('circuit-open');
      expect(emulator.requestCount).toBe(1);
    });

    it('overloaded: a full bulkhead answers 503 without sending', async () => {
      await boot({ maxConcurrentExchanges: 1, maxQueuedExchanges: 0 });
      emulator.setLatency(300);
      const first = login();
      while (emulator.requestCount === 0) await new Promise((resolve) => setTimeout(resolve, 5)); // it holds the slot
      expect((await login()).status).toBe(503);
      expect((await first).status).toBe(200);
      const overloaded = sdk.spans('app2wxapp.login').filter((span) => span.attributes['app2wxapp.outcome'] === 'overloaded');
      expect(overloaded).toHaveLength(1);
      expect(overloaded[0].attributes['http.response.status_code']).toBe(503);
      expect(overloaded[0].status.code).toBe(SpanStatusCode.ERROR);
      expect(emulator.requestCount).toBe(1);
    });

    it('replay-store-error: a store whose claim rejects → 503, no exchange', async () => {
      await boot({ replayStore: brokenStore });
      expect((await login()).status).toBe(503);
      loginSpan('replay-store-error', 503);
      noExchangeSpan();
      expect(emulator.requestCount).toBe(0);
    });

    it('internal: validateUser throws a plain Error → 500, ERROR', async () => {
      await boot({
        validateUser: () => {
          throw new Error('database is gone');
        },
      });
      expect((await login()).status).toBe(500);
      const span = loginSpan('internal', 500);
      expect(span.attributes['error.type']).toBe('internal');
    });
  });

  describe('every entry makes the same span', () => {
    it('App2WxappGuard.forPool(name): the named pool and its user pool id', async () => {
      await boot();
      expect((await login({ ticket: named.issueTicket() }, '/genauth')).status).toBe(200);
      exchangeSpan(loginSpan('success', 200, 'genauth', NAMED_POOL), named);
    });

    it("Passport's AuthGuard('app2wxapp')", async () => {
      await boot();
      expect((await login({ ticket: emulator.issueTicket() }, '/passport')).status).toBe(200);
      exchangeSpan(loginSpan('success', 200));
      expect((await login({ ticket: UNKNOWN_TICKET }, '/passport')).status).toBe(401);
      expect(sdk.spans('app2wxapp.login').map((span) => span.attributes['app2wxapp.outcome'])).toEqual(['success', 'rejected']);
    });

    it('App2WxappAuthenticator.authenticate, outside any HTTP request', async () => {
      await boot();
      const authenticator = running!.app.get(App2WxappAuthenticator);
      await expect(authenticator.authenticate(emulator.issueTicket())).resolves.toMatchObject({ userPoolId: POOL });
      exchangeSpan(loginSpan('success', 200));
      sdk.resetSpans();
      await expect(authenticator.authenticate(42)).rejects.toMatchObject({ status: 401 });
      loginSpan('invalid-ticket', 401);
    });
  });
});
