import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { App2WxappGuard, App2WxappModule, App2WxappUser } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { gaugeValue, histogramCount, type MetricPoint, type OtelSdk, registerOtelSdk } from './support/otel-sdk';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app';

const POOL = 'pool-telemetry-metrics';
const NAMED_POOL = 'pool-telemetry-metrics-genauth';
const SECRET = 'telemetry-metrics-secret-77d1';
const TIMEOUT_MS = 2000;
const MARGIN_MS = 1500;
const COOLDOWN_MS = 400;
const LATENCY_MS = 200;
const UNKNOWN_TICKET = `eyJhbGciOiJIUzI1NiJ9.eyJ1bmtub3duIjoxfQ.${Buffer.from('unknown-metrics').toString('base64url')}`;
const LOGIN = 'app2wxapp.login.duration';
const EXCHANGE = 'app2wxapp.exchange.duration';
const CIRCUIT = 'app2wxapp.circuit.state';
const ENTRIES = 'app2wxapp.replay_store.entries';

@Controller()
class NamedPoolController {
  @Post('genauth')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forPool('genauth'))
  genauth(@App2WxappUser() user: unknown) {
    return { user };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const at = (outcome: string, pool = 'default') => ({ 'app2wxapp.outcome': outcome, 'app2wxapp.pool': pool });

describe.each(ADAPTERS)('OpenTelemetry metrics on %s', (adapter) => {
  let sdk: OtelSdk;
  let emulator: App2WxappEmulator;
  let named: App2WxappEmulator;
  let running: RunningApp;
  const login = (ticket: string = emulator.issueTicket()) => running.post('/login', { ticket });

  // One app for the whole block: the histograms are cumulative, so each test asserts what it adds.
  beforeAll(async () => {
    sdk = registerOtelSdk();
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
    named = await App2WxappEmulator.start({ userPoolId: NAMED_POOL, secret: SECRET });
    running = await startApp(
      adapter,
      [
        App2WxappModule.forRoot({
          userPoolId: POOL,
          secret: SECRET,
          host: emulator.url,
          timeoutMs: TIMEOUT_MS,
          circuitBreaker: { threshold: 1, cooldownMs: COOLDOWN_MS },
        }),
        App2WxappModule.forRoot({ name: 'genauth', userPoolId: NAMED_POOL, secret: SECRET, host: named.url }),
      ],
      { controllers: [NamedPoolController] },
    );
  });
  afterAll(async () => {
    await running.close();
    await Promise.all([emulator.close(), named.close()]);
    await sdk.shutdown();
  });

  it('records both histograms in seconds, per outcome and pool, with no other attribute', async () => {
    emulator.setLatency(LATENCY_MS);
    expect((await login()).status).toBe(200);
    emulator.setLatency(0);
    expect((await login()).status).toBe(200);
    expect((await login(UNKNOWN_TICKET)).status).toBe(401);
    expect((await running.post('/login', {})).status).toBe(401);
    expect((await running.post('/genauth', { ticket: named.issueTicket() })).status).toBe(200);

    const points = await sdk.collect();
    for (const name of [LOGIN, EXCHANGE]) {
      const histograms = points.filter((p) => p.name === name);
      expect(histograms.every((p) => p.kind === 'histogram' && p.unit === 's')).toBe(true);
    }
    expect(histogramCount(points, LOGIN, at('success'))).toBe(2);
    expect(histogramCount(points, LOGIN, at('rejected'))).toBe(1);
    expect(histogramCount(points, LOGIN, at('invalid-ticket'))).toBe(1);
    expect(histogramCount(points, LOGIN, at('success', 'genauth'))).toBe(1);
    expect(histogramCount(points, EXCHANGE, at('success'))).toBe(2);
    expect(histogramCount(points, EXCHANGE, at('rejected'))).toBe(1);
    expect(histogramCount(points, EXCHANGE, at('invalid-ticket'))).toBe(0); // never sent
    expect(histogramCount(points, EXCHANGE, at('success', 'genauth'))).toBe(1);

    // Seconds, not milliseconds: the slow exchange alone took LATENCY_MS.
    const exchange = points.find(
      (p) => p.name === EXCHANGE && p.attributes['app2wxapp.outcome'] === 'success' && p.attributes['app2wxapp.pool'] === 'default',
    );
    const { sum } = exchange!.value as { sum: number };
    expect(sum).toBeGreaterThanOrEqual(LATENCY_MS / 1000);
    expect(sum).toBeLessThan((2 * TIMEOUT_MS + MARGIN_MS) / 1000);
  });

  it('app2wxapp.replay_store.entries counts the claims of each in-memory store', async () => {
    const points = await sdk.collect();
    // Default pool: 2 logins stay claimed; the refused ticket's claim was freed (Authing refuses it again), and the
    // request without a ticket claimed nothing.
    expect(gaugeValue(points, ENTRIES, { 'app2wxapp.pool': 'default' })).toBe(2);
    expect(gaugeValue(points, ENTRIES, { 'app2wxapp.pool': 'genauth' })).toBe(1);
    expect((await login()).status).toBe(200);
    expect(gaugeValue(await sdk.collect(), ENTRIES, { 'app2wxapp.pool': 'default' })).toBe(3);
  });

  it('app2wxapp.circuit.state goes 0 → 1 when the circuit opens, 2 once the cooldown passed, 0 when a probe succeeds', async () => {
    const state = async (pool = 'default') => gaugeValue(await sdk.collect(), CIRCUIT, { 'app2wxapp.pool': pool });
    expect(await state()).toBe(0);
    expect(await state('genauth')).toBe(0);

    emulator.failNext('http500');
    expect((await login()).status).toBe(502);
    expect(await state()).toBe(1);
    expect(await state('genauth')).toBe(0); // pools have their own circuits
    expect((await login()).status).toBe(503);

    const points: MetricPoint[] = await sdk.collect();
    expect(histogramCount(points, LOGIN, at('upstream-error'))).toBe(1);
    expect(histogramCount(points, LOGIN, at('circuit-open'))).toBe(1);
    expect(histogramCount(points, EXCHANGE, at('circuit-open'))).toBe(1);

    await sleep(COOLDOWN_MS + 100);
    expect(await state()).toBe(2); // the next login is let through as the probe
    expect((await login()).status).toBe(200);
    expect(await state()).toBe(0);
  });
});
