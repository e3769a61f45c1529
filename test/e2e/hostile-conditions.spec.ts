import type { LoggerService } from '@nestjs/common';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { ADAPTERS, type RunningApp, startWithOptions } from './support/test-app';

const POOL = 'pool-hostile';
const SECRET = 'hostile-secret-7d41e0c2b9a8';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every 12-character run of `secret` that `text` contains. */
function runsOf(secret: string, text: string): string[] {
  const runs: string[] = [];
  for (let i = 0; i + 12 <= secret.length; i++) if (text.includes(secret.slice(i, i + 12))) runs.push(secret.slice(i, i + 12));
  return runs;
}

function capturingLogger(lines: string[]): LoggerService {
  const push = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  return { log: push, warn: push, error: push, debug: push, verbose: push, fatal: push };
}

/** Authing's success envelope around a user object of our making. */
const answerWith = (user: Record<string, unknown>) => ({
  status: 200,
  body: { code: 200, message: '获取用户信息成功', data: JSON.stringify({ _id: '5f0e4c2a9b1d3e7f6a8c0b12', nickname: 'x', ...user }) },
});

describe.each(ADAPTERS)('hostile conditions on %s', (adapter) => {
  let emulator: App2WxappEmulator;
  let running: RunningApp | undefined;

  beforeEach(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await emulator.close();
  });

  describe('blocked and isDeleted are read fail-closed: only false or an absent field lets a user in', () => {
    beforeEach(async () => {
      running = await startWithOptions(adapter, { userPoolId: POOL, secret: SECRET, host: emulator.url });
    });

    it.each([
      ['isDeleted', 'true'],
      ['isDeleted', 1],
      ['isDeleted', null],
      ['blocked', 1],
      ['blocked', 'TRUE'],
      ['blocked', 'yes'],
      ['blocked', {}],
      ['blocked', 'false'],
    ])('%s: %j answers 403', async (field, value) => {
      emulator.failNext(answerWith({ [field]: value }));
      const res = await running!.post('/login', { ticket: emulator.issueTicket() });
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(field === 'isDeleted' ? /deleted/ : /blocked/);
    });

    it.each([{ blocked: false, isDeleted: false }, {}])('%j lets the user in', async (flags) => {
      emulator.failNext(answerWith(flags));
      expect((await running!.post('/login', { ticket: emulator.issueTicket() })).status).toBe(200);
    });
  });

  it('no 12-character run of the ticket or the secret survives in a refusal that quotes both, in the body or a log line', async () => {
    running = await startWithOptions(adapter, { userPoolId: POOL, secret: SECRET, host: emulator.url });
    const lines: string[] = [];
    running.app.useLogger(capturingLogger(lines));
    for (const pad of [0, 20, 37, 150]) {
      const ticket = emulator.issueTicket();
      // The shape that once leaked 162 of a ticket's 170 characters: cut to 200 before it was redacted.
      emulator.failNext({ status: 200, body: { code: 2207, message: `${'票'.repeat(pad)}ticket ${ticket} rejected for secret ${SECRET}` } });
      const res = await running.post('/login', { ticket });
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/\[redacted\]/);
      expect(runsOf(ticket, res.text)).toEqual([]);
      expect(runsOf(SECRET, res.text)).toEqual([]);
      for (const line of lines) {
        expect(runsOf(ticket, line)).toEqual([]);
        expect(runsOf(SECRET, line)).toEqual([]);
      }
    }
    expect(lines.some((l) => /Ticket exchange failed \(pool default, ticket #[0-9a-f]{12}\): 401 rejected, code 2207/.test(l))).toBe(true);
  });

  it('a stale keep-alive connection (dropped by a load balancer) is retried once on a new one: no 502', async () => {
    await emulator.close();
    // A load balancer that resets connections idle for 300 ms or more, and an agent that keeps them longer.
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET, resetIdleConnectionsAfterMs: 300 });
    running = await startWithOptions(adapter, { userPoolId: POOL, secret: SECRET, host: emulator.url, keepAliveIdleMs: 60_000 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await running.post('/login', { ticket: emulator.issueTicket() })).status);
      await sleep(350);
    }
    expect(statuses).toEqual(Array(8).fill(200));
    expect(emulator.staleConnectionResets).toBeGreaterThanOrEqual(3); // the model did bite, every other login: the retries saved them
  });

  it('idle connections are closed before the load balancer would (keepAliveIdleMs): no reset at all', async () => {
    await emulator.close();
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET, resetIdleConnectionsAfterMs: 300 });
    running = await startWithOptions(adapter, { userPoolId: POOL, secret: SECRET, host: emulator.url, keepAliveIdleMs: 100 });
    for (let i = 0; i < 4; i++) {
      expect((await running.post('/login', { ticket: emulator.issueTicket() })).status).toBe(200);
      await sleep(350);
    }
    expect(emulator.staleConnectionResets).toBe(0);
  });

  it('a queued exchange with less than minExchangeBudgetMs left is not sent (503, Retry-After), and its ticket works again', async () => {
    emulator.setLatency(500);
    running = await startWithOptions(adapter, {
      userPoolId: POOL,
      secret: SECRET,
      host: emulator.url,
      timeoutMs: 700,
      minExchangeBudgetMs: 300,
      maxConcurrentExchanges: 1,
    });
    const first = emulator.issueTicket();
    const second = emulator.issueTicket();
    const [a, b] = await Promise.all([running.post('/login', { ticket: first }), sleep(20).then(() => running!.post('/login', { ticket: second }))]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(503);
    expect(b.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'Login is busy; try again with the same ticket' });
    expect(b.headers.get('retry-after')).toBe('1');
    const sent = (ticket: string) => emulator.requests.filter((r) => (r.body as { ticket?: string })?.ticket === ticket).length;
    expect(sent(second)).toBe(0); // never reached Authing, so the ticket is still good
    emulator.setLatency(0);
    expect((await running.post('/login', { ticket: second })).status).toBe(200); // and the claim was released
    expect(sent(second)).toBe(1);
  });
});
