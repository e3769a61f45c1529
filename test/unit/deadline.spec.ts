import { deadline } from '../../lib/shared/deadline.utils';

const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));

describe('deadline', () => {
  it('aborts with a TimeoutError once the time is up, like AbortSignal.timeout', async () => {
    const limit = deadline(20);
    const reason = (await aborted(limit.signal)) as DOMException;
    expect(reason.name).toBe('TimeoutError');
    limit.clear();
  });

  it('aborts with the outer signal, and with its reason', () => {
    const outer = new AbortController();
    const limit = deadline(60_000, outer.signal);
    const reason = new Error('outer deadline');
    outer.abort(reason);
    expect(limit.signal.aborted).toBe(true);
    expect(limit.signal.reason).toBe(reason);
    limit.clear();
  });

  it('starts aborted when the outer signal already is', () => {
    const outer = new AbortController();
    outer.abort(new Error('gone'));
    const limit = deadline(60_000, outer.signal);
    expect(limit.signal.aborted).toBe(true);
    limit.clear();
  });

  it('after clear(), neither its timer nor the outer signal aborts it', async () => {
    const outer = new AbortController();
    const limit = deadline(20, outer.signal);
    limit.clear();
    outer.abort(new Error('late'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(limit.signal.aborted).toBe(false);
  });
});

describe('deadline inside a deadline', () => {
  it('reuses an outer deadline of its own kind that ends first, and still ends with it', async () => {
    const outer = deadline(20);
    const inner = deadline(60_000, outer.signal);
    expect(inner.signal).toBe(outer.signal);
    inner.clear();
    const reason = (await aborted(inner.signal)) as DOMException;
    expect(reason.name).toBe('TimeoutError');
    outer.clear();
  });

  it('keeps its own, earlier timer when the outer deadline ends later', async () => {
    const outer = deadline(60_000);
    const inner = deadline(20, outer.signal);
    expect(inner.signal).not.toBe(outer.signal);
    const reason = (await aborted(inner.signal)) as DOMException;
    expect(reason.name).toBe('TimeoutError');
    expect(outer.signal.aborted).toBe(false);
    inner.clear();
    outer.clear();
  });
});

describe('Deadline.requestSignal without an AbortSignal (what axios gets on the fast path)', () => {
  it('is a timer-backed signal that aborts its listeners at the deadline, once', async () => {
    const limit = deadline(20);
    const signal = limit.requestSignal;
    expect(signal).not.toBeInstanceOf(AbortSignal);
    let calls = 0;
    signal.addEventListener?.('abort', () => calls++);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(signal.aborted).toBe(true);
    expect(limit.expired).toBe(true);
    expect(calls).toBe(1);
    limit.clear();
  });

  it('never aborts once cleared', async () => {
    const limit = deadline(20);
    const signal = limit.requestSignal;
    limit.clear();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(signal.aborted).toBe(false);
  });

  it('is the real AbortSignal once the deadline has one', () => {
    const outer = new AbortController();
    const limit = deadline(1000, outer.signal);
    expect(limit.requestSignal).toBe(limit.signal);
    limit.clear();
  });
});
