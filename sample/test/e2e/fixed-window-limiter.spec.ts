import { FixedWindowLimiter } from '../../src/auth/rate-limit/fixed-window.limiter';

describe('FixedWindowLimiter', () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows `limit` hits per key and window, then refuses until the window ends', () => {
    const limiter = new FixedWindowLimiter(2, 60_000, 100, clock);
    expect(limiter.hit('a')).toEqual({ allowed: true, limit: 2, remaining: 1, resetInSeconds: 60 });
    expect(limiter.hit('a').allowed).toBe(true);
    now += 15_000;
    expect(limiter.hit('a')).toEqual({ allowed: false, limit: 2, remaining: 0, resetInSeconds: 45 });
    expect(limiter.hit('b').allowed).toBe(true);
    now += 45_000;
    expect(limiter.hit('a')).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('stays within maxKeys under a flood of addresses, dropping expired windows first', () => {
    const limiter = new FixedWindowLimiter(1, 60_000, 1000, clock);
    for (let i = 0; i < 100_000; i++) {
      limiter.hit(`10.0.${i >> 8}.${i & 255}`);
      if (i % 5000 === 0) now += 1000;
    }
    expect(limiter.size).toBeLessThanOrEqual(1000);
    now += 61_000;
    limiter.hit('fresh');
    expect(limiter.size).toBe(1);
  });
});
