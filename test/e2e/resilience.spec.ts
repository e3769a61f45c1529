import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { type App2WxappExchangeEvent, type App2WxappModuleOptions, MemoryTicketReplayStore } from 'nestjs-app2wxapp';
import { App2WxappEmulator, type EmulatorFault } from 'nestjs-app2wxapp/testing';
import { ADAPTERS, type RunningApp, startWithOptions, type TestResponse } from './support/test-app';
import { freePort as closedPort } from '../support/free-port';

const POOL = 'pool-resilience';
const SECRET = 'resilience-secret-5c1e';
const TIMEOUT_MS = 700;
/** "Plus a little": generous, because CI machines are slow; the point is "not the full hang". */
const MARGIN_MS = 1500;
let unknownCount = 0;
/** A well-formed ticket that Authing does not know (distinct each time: a refused ticket stays claimed). */
const unknownTicket = () => `eyJhbGciOiJIUzI1NiJ9.eyJ1bmtub3duIjoxfQ.${Buffer.from(`unknown-${++unknownCount}`).toString('base64url')}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await sleep(5);
  }
}

/** A promise with a flag, to prove one answer came while another request was still pending. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise, settled: () => done };
}

function expect503(res: TestResponse, message: RegExp) {
  expect(res.status).toBe(503);
  expect(res.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.stringMatching(message) });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  return retryAfter;
}

describe.each(ADAPTERS)('resilience of the exchange on %s', (adapter) => {
  let emulator: App2WxappEmulator;
  let running: RunningApp | undefined;

  const boot = async (options: Partial<App2WxappModuleOptions<any>> = {}) => {
    running = await startWithOptions(adapter, { userPoolId: POOL, secret: SECRET, host: emulator.url, timeoutMs: TIMEOUT_MS, ...options });
    return running;
  };
  const login = (ticket: string = emulator.issueTicket()) => running!.post('/login', { ticket });

  // A fresh emulator per test: an exchange that a timed-out test left in flight must not eat the next test's fault.
  beforeEach(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await emulator.close();
  });

  describe('circuit breaker', () => {
    it('opens after 5 consecutive 5xx-row failures of any kind (the default), then answers 503 with Retry-After without calling upstream', async () => {
      await boot({ circuitBreaker: { cooldownMs: 60_000 } });
      const faults: [EmulatorFault, number][] = [
        ['http500', 502],
        ['html502', 502],
        ['garbage', 502],
        ['reset', 502],
        ['hang', 504],
      ];
      for (const [fault, status] of faults) {
        emulator.failNext(fault);
        expect((await login()).status).toBe(status);
      }
      expect(emulator.requestCount).toBe(5);

      for (let i = 0; i < 3; i++) {
        const retryAfter = expect503(await login(), /Authing is failing; logins are paused/);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
      expect(emulator.requestCount).toBe(5);
    });

    it('after the cooldown lets one probe through, fails the others fast meanwhile, and closes when the probe succeeds', async () => {
      await boot({ circuitBreaker: { threshold: 2, cooldownMs: 300 }, timeoutMs: 5000 });
      emulator.failNext('http500', 2);
      await login();
      await login();
      expect503(await login(), /paused/);
      expect(emulator.requestCount).toBe(2);

      await sleep(400); // the cooldown passes
      emulator.setLatency(1500);
      const probe = track(login());
      await until(() => emulator.requestCount === 3, 'the probe reached the emulator');
      const meanwhile = await login();
      expect(probe.settled()).toBe(false);
      expect503(meanwhile, /paused/);
      expect((await probe.promise).status).toBe(200);

      emulator.setLatency(0);
      const answers = await Promise.all([login(), login(), login()]);
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(emulator.requestCount).toBe(6); // 2 failures, the probe, 3 logins; nothing during the half-open probe
    });

    it('re-opens when the probe fails', async () => {
      await boot({ circuitBreaker: { threshold: 1, cooldownMs: 300 } });
      emulator.failNext('http500');
      expect((await login()).status).toBe(502);
      await sleep(400);
      emulator.failNext('http500');
      expect((await login()).status).toBe(502); // the probe
      expect503(await login(), /paused/);
      expect(emulator.requestCount).toBe(2);
    });

    it('never counts upstream refusals (401) as failures, and a refusal interrupts a run of failures', async () => {
      await boot({ circuitBreaker: { threshold: 2, cooldownMs: 60_000 } });
      for (let i = 0; i < 10; i++) {
        if (i % 2) emulator.failNext({ status: 403, body: { code: 403, message: 'Forbidden' } });
        expect((await login(unknownTicket())).status).toBe(401);
      }
      emulator.failNext('http500');
      expect((await login()).status).toBe(502);
      expect((await login(unknownTicket())).status).toBe(401);
      emulator.failNext('http500');
      expect((await login()).status).toBe(502);
      expect((await login()).status).toBe(200); // still closed: the failures were not consecutive
      expect(emulator.requestCount).toBe(14);
    });

    it('circuitBreaker: false never opens', async () => {
      await boot({ circuitBreaker: false });
      emulator.failNext('http500', 8);
      for (let i = 0; i < 8; i++) expect((await login()).status).toBe(502);
      expect((await login()).status).toBe(200);
      expect(emulator.requestCount).toBe(9);
    });
  });

  describe('timeouts, faults and transient failures', () => {
    it('hangs never hold a request past timeoutMs plus a little; queued ones that ran out of time are not sent (503)', async () => {
      await boot({ circuitBreaker: false, maxConcurrentExchanges: 1, maxQueuedExchanges: 4 });
      emulator.failNext('hang', 3);
      const started = Date.now();
      const answers = await Promise.all([
        login().then((res) => ({ res, ms: Date.now() - started })),
        login().then((res) => ({ res, ms: Date.now() - started })),
        login().then((res) => ({ res, ms: Date.now() - started })),
      ]);
      const [hung, ...queued] = answers;
      expect(hung.res.status).toBe(504);
      expect(hung.res.body.message).toBe(`Authing did not answer within ${TIMEOUT_MS} ms`);
      for (const { res } of queued) {
        expect(res.status).toBe(503);
        expect(res.body.message).toBe('Login is busy; try again with the same ticket');
        expect(res.headers.get('retry-after')).toBe('1');
      }
      for (const { ms } of answers) expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      expect(emulator.requestCount).toBe(1);
    });

    it.each([
      ['a reset connection', 502, 'reset'],
      ['a garbage body', 502, 'garbage'],
      ['an HTML 502 page', 502, 'html502'],
      ['HTTP 500', 502, 'http500'],
      ['HTTP 429', 503, { status: 429, body: { code: 429, message: 'slow down' } }],
      ['a hang', 504, 'hang'],
    ] as const)('%s answers %d, and the same ticket then logs in', async (_name, status, fault) => {
      await boot();
      const ticket = emulator.issueTicket({ nickname: 'Transient' });
      emulator.failNext(fault as EmulatorFault);
      const failed = await login(ticket);
      expect(failed.status).toBe(status);
      expect(failed.text).not.toContain(ticket);
      expect(failed.text).not.toContain(SECRET);
      const retried = await login(ticket);
      expect(retried.status).toBe(200);
      expect(retried.body.user.nickname).toBe('Transient');
    });
  });

  describe('concurrency limit', () => {
    it('answers overflow 503 at once, while the exchange in flight completes', async () => {
      await boot({ maxConcurrentExchanges: 1, maxQueuedExchanges: 0, timeoutMs: 5000 });
      emulator.setLatency(1500);
      const first = track(login());
      await until(() => emulator.requestCount === 1, 'the first exchange reached the emulator');
      const overflowTicket = emulator.issueTicket();
      const overflow = await login(overflowTicket);
      expect(first.settled()).toBe(false);
      expect503(overflow, /Too many logins in progress/);
      expect(overflow.headers.get('retry-after')).toBe('1');
      expect((await first.promise).status).toBe(200);
      expect(emulator.requestCount).toBe(1);

      emulator.setLatency(0);
      expect((await login(overflowTicket)).status).toBe(200); // refused for load, not burnt
    });

    it('queues up to maxQueuedExchanges and refuses the rest', async () => {
      await boot({ maxConcurrentExchanges: 1, maxQueuedExchanges: 1, timeoutMs: 5000 });
      emulator.setLatency(1000);
      const answers = await Promise.all([login(), login(), login()]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 503]);
      expect(emulator.requestCount).toBe(2);
    });

    it('answers 503 at once when the in-memory replay store is full, without calling upstream', async () => {
      await boot({ replayStore: new MemoryTicketReplayStore({ maxEntries: 2 }) });
      expect((await login()).status).toBe(200);
      expect((await login()).status).toBe(200);
      const full = await login();
      expect503(full, /Too many logins in progress/);
      expect(emulator.requestCount).toBe(2);
    });
  });

  describe('retries', () => {
    let attempts: string[] = [];
    const onRequest = (message: unknown) => {
      const request = (message as { request: ClientRequest }).request;
      if (request.path.startsWith('/oauth/app2wxapp/auth/')) attempts.push(String(request.getHeader('host')));
    };
    beforeAll(() => diagnostics.subscribe('http.client.request.start', onRequest));
    afterAll(() => diagnostics.unsubscribe('http.client.request.start', onRequest));
    beforeEach(() => (attempts = []));

    it('retries a refused connection exactly once, then answers 503', async () => {
      const port = await closedPort();
      running = await startWithOptions(adapter, { userPoolId: POOL, secret: SECRET, host: `http://127.0.0.1:${port}`, timeoutMs: TIMEOUT_MS });
      const res = await login(unknownTicket());
      expect503(res, /unreachable \(connection refused\)/);
      expect(attempts).toEqual([`127.0.0.1:${port}`, `127.0.0.1:${port}`]);
    });

    it.each(['http500', 'reset', 'garbage', 'hang'] as const)('never retries an exchange that was sent (%s)', async (fault) => {
      await boot();
      emulator.failNext(fault);
      expect((await login()).status).toBeGreaterThanOrEqual(502);
      expect(attempts).toHaveLength(1);
      expect(emulator.requestCount).toBe(1);
    });
  });

  describe('onExchange', () => {
    it('receives { outcome, status, durationMs } for every exchange and never the secret or the ticket', async () => {
      const events: App2WxappExchangeEvent[] = [];
      await boot({ onExchange: (event) => void events.push(event), circuitBreaker: { threshold: 2, cooldownMs: 60_000 } });
      const tickets: string[] = [];
      const present = (ticket = emulator.issueTicket()) => {
        tickets.push(ticket);
        return login(ticket);
      };

      expect((await present()).status).toBe(200);
      expect((await present(unknownTicket())).status).toBe(401);
      emulator.failNext('hang');
      expect((await present()).status).toBe(504);
      emulator.failNext('http500');
      expect((await present()).status).toBe(502);
      expect((await present()).status).toBe(503);

      expect(events.map(({ outcome, status }) => [outcome, status])).toEqual([
        ['success', 200],
        ['rejected', 401],
        ['timeout', 504],
        ['upstream-error', 502],
        ['circuit-open', 503],
      ]);
      for (const event of events) {
        expect(Object.keys(event).sort()).toEqual(['durationMs', 'outcome', 'status']);
        expect(event.durationMs).toBeGreaterThanOrEqual(0);
      }
      const seen = JSON.stringify(events);
      for (const secret of [SECRET, ...tickets]) expect(seen).not.toContain(secret);
    });

    it('reports overload, and a throwing onExchange does not break logins', async () => {
      const events: App2WxappExchangeEvent[] = [];
      await boot({
        timeoutMs: 5000,
        maxConcurrentExchanges: 1,
        maxQueuedExchanges: 0,
        onExchange: (event) => {
          events.push(event);
          throw new Error('metrics backend down');
        },
      });
      emulator.setLatency(1500);
      const first = login();
      await until(() => emulator.requestCount === 1, 'the first exchange reached the emulator');
      expect((await login()).status).toBe(503);
      expect((await first).status).toBe(200);
      expect(events.map((e) => e.outcome)).toEqual(['overloaded', 'success']);
    });
  });
});
