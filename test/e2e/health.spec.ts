import { createServer, type Server, type Socket } from 'node:net';
import { Controller, Get, type LoggerService, Query } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { App2WxappModule, type App2WxappModuleOptions } from 'nestjs-app2wxapp';
import { App2WxappHealthIndicator, App2WxappHealthModule } from 'nestjs-app2wxapp/health';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { freePort } from '../support/free-port';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app';

const POOL = 'pool-health';
const SECRET = 'health-secret-0d7e';
const COOLDOWN_MS = 1200;
const PROBE_TIMEOUT_MS = 300;
const MARGIN_MS = 1500;

/** Terminus logs every failed check as an error: kept here, and asserted, instead of printed. */
class CapturedLogger implements LoggerService {
  static readonly errors: string[] = [];
  log(): void {}
  warn(): void {}
  error(message: unknown): void {
    CapturedLogger.errors.push(String(message));
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly app2wxapp: App2WxappHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(@Query('pool') pool?: string, @Query('probe') probe?: string) {
    return this.health.check([() => this.app2wxapp.isHealthy('app2wxapp', { pool, probe: probe === '1', timeoutMs: PROBE_TIMEOUT_MS })]);
  }
}

async function get(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(ADAPTERS)('App2WxappHealthIndicator with Terminus on %s', (adapter) => {
  let emulator: App2WxappEmulator;
  let running: RunningApp | undefined;
  let silent: Server;
  const silentSockets = new Set<Socket>();

  /** The default pool on the emulator, plus pools on a closed port, on a TLS host that speaks plain HTTP, and on a host that never answers. */
  const boot = async (options: Partial<App2WxappModuleOptions<any>> = {}) => {
    const closed = await freePort();
    const emulatorPort = new URL(emulator.url).port;
    const silentPort = (silent.address() as { port: number }).port;
    running = await startApp(
      adapter,
      [
        App2WxappModule.forRoot({ userPoolId: POOL, secret: SECRET, host: emulator.url, ...options }),
        App2WxappModule.forRoot({ name: 'closed', userPoolId: 'pool-closed', secret: SECRET, host: `http://127.0.0.1:${closed}` }),
        App2WxappModule.forRoot({ name: 'not-tls', userPoolId: 'pool-not-tls', secret: SECRET, host: `https://127.0.0.1:${emulatorPort}` }),
        App2WxappModule.forRoot({ name: 'silent', userPoolId: 'pool-silent', secret: SECRET, host: `https://127.0.0.1:${silentPort}` }),
        TerminusModule.forRoot({ logger: CapturedLogger, errorLogStyle: 'json' }),
        App2WxappHealthModule,
      ],
      { controllers: [HealthController] },
    );
    return running;
  };
  const health = (query = '') => get(`${running!.url}/health${query}`);
  const login = () => running!.post('/login', { ticket: emulator.issueTicket() });
  /** The failed check Terminus logged, as its JSON error logger writes it. */
  const expectLoggedFailure = (pool: string) => {
    expect(CapturedLogger.errors).toEqual([expect.stringMatching(/Health Check has failed!/)]);
    expect(CapturedLogger.errors[0]).toContain(`"pool":"${pool}"`);
    CapturedLogger.errors.length = 0;
  };

  beforeAll(async () => {
    // Accepts connections and never says a word: a TLS handshake with it can only time out.
    silent = createServer((socket) => {
      silentSockets.add(socket);
      socket.on('close', () => silentSockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of silentSockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
  beforeEach(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await emulator.close();
    expect(CapturedLogger.errors).toEqual([]);
  });

  it('healthy: 200 with the pool and its closed circuit, and no exchange sent', async () => {
    await boot();
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ok',
      info: { app2wxapp: { status: 'up', pool: 'default', circuit: 'closed' } },
      error: {},
      details: { app2wxapp: { status: 'up', pool: 'default', circuit: 'closed' } },
    });
    expect(emulator.requestCount).toBe(0);
  });

  it('circuit open: 503 from HealthCheckService with the seconds until the next probe; up again after the cooldown', async () => {
    await boot({ circuitBreaker: { threshold: 1, cooldownMs: COOLDOWN_MS } });
    emulator.failNext('http500');
    expect((await login()).status).toBe(502);

    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'error', info: {}, error: { app2wxapp: { status: 'down', pool: 'default', circuit: 'open' } } });
    const { retryInSeconds } = down.body.error.app2wxapp;
    expect(Number.isInteger(retryInSeconds) && retryInSeconds >= 1 && retryInSeconds <= Math.ceil(COOLDOWN_MS / 1000)).toBe(true);
    expect(down.body.details).toEqual(down.body.error);
    expectLoggedFailure('default');

    await sleep(COOLDOWN_MS + 100);
    const waiting = await health();
    expect(waiting.status).toBe(200); // the next login is let through as the probe
    expect(waiting.body.info.app2wxapp).toEqual({ status: 'up', pool: 'default', circuit: 'half-open' });

    expect((await login()).status).toBe(200);
    expect((await health()).body.info.app2wxapp).toEqual({ status: 'up', pool: 'default', circuit: 'closed' });
    expect(emulator.requestCount).toBe(2); // the failure and the probe: the checks sent nothing
  });

  it("probe: up when the emulator's port accepts a connection, and nothing is sent to it", async () => {
    await boot();
    const { status, body } = await health('?probe=1');
    expect(status).toBe(200);
    expect(body.info.app2wxapp).toEqual({ status: 'up', pool: 'default', circuit: 'closed', upstream: 'reachable' });
    expect(emulator.requestCount).toBe(0);
    expect(emulator.requests).toEqual([]);
  });

  it('probe: down on a closed port (connection refused), and the circuit alone still says up', async () => {
    await boot();
    const { status, body } = await health('?pool=closed&probe=1');
    expect(status).toBe(503);
    expect(body.error.app2wxapp).toEqual({ status: 'down', pool: 'closed', circuit: 'closed', upstream: 'unreachable', reason: 'ECONNREFUSED' });
    expectLoggedFailure('closed');
    expect((await health('?pool=closed')).status).toBe(200);
  });

  it('probe of an https host: a TCP connection is not enough, the TLS handshake must succeed', async () => {
    await boot();
    const { status, body } = await health('?pool=not-tls&probe=1');
    expect(status).toBe(503);
    expect(body.error.app2wxapp).toMatchObject({ status: 'down', pool: 'not-tls', upstream: 'unreachable' });
    expect(body.error.app2wxapp.reason).not.toBe('timeout');
    expectLoggedFailure('not-tls');
    expect(emulator.requestCount).toBe(0);
  });

  it('probe: bounded by timeoutMs when the host accepts but never completes the handshake', async () => {
    await boot();
    const started = Date.now();
    const { status, body } = await health('?pool=silent&probe=1');
    expect(Date.now() - started).toBeLessThan(PROBE_TIMEOUT_MS + MARGIN_MS);
    expect(status).toBe(503);
    expect(body.error.app2wxapp).toEqual({ status: 'down', pool: 'silent', circuit: 'closed', upstream: 'unreachable', reason: 'timeout' });
    expectLoggedFailure('silent');
  });

  it('an unknown pool is down, naming it', async () => {
    await boot();
    const { status, body } = await health('?pool=nope');
    expect(status).toBe(503);
    expect(body.error.app2wxapp).toEqual({ status: 'down', pool: 'nope', message: 'No App2WxappModule registers the pool "nope"' });
    expectLoggedFailure('nope');
  });
});
