import { RateLimiter } from './rate-limiter.js';

describe(RateLimiter.name, () => {
  it('allows a burst, then refuses with the wait until the next token', () => {
    const limiter = new RateLimiter(1, 3);
    expect([limiter.take('a', 0), limiter.take('a', 0), limiter.take('a', 0)]).toEqual([null, null, null]);
    expect(limiter.take('a', 0)).toBe(1000);
    expect(limiter.take('a', 400)).toBe(600);
    expect(limiter.take('a', 1000)).toBeNull();
  });

  it('keeps keys apart', () => {
    const limiter = new RateLimiter(1, 1);
    expect(limiter.take('a', 0)).toBeNull();
    expect(limiter.take('b', 0)).toBeNull();
    expect(limiter.take('a', 0)).not.toBeNull();
  });

  it('refills at the configured rate up to the burst', () => {
    const limiter = new RateLimiter(2, 2);
    limiter.take('a', 0);
    limiter.take('a', 0);
    expect(limiter.take('a', 500)).toBeNull();
    expect(limiter.take('a', 500)).toBe(500);
    expect([limiter.take('a', 10_000), limiter.take('a', 10_000), limiter.take('a', 10_000)]).toEqual([null, null, 500]);
  });

  it('forgets refilled keys when many are held, and still limits the key being taken', () => {
    const limiter = new RateLimiter(1, 1);
    for (let n = 0; n < 10_000; n++) limiter.take(`idle${n}`, 0);
    // Every idle key has refilled by now; the new key's take must still count.
    expect(limiter.take('a', 5000)).toBeNull();
    expect(limiter.take('a', 5000)).toBe(1000);
  });
});
