/**
 * A token bucket per key: `perSecond` tokens a second up to `burst`. Pure: the caller passes
 * `now`. Buckets that have refilled are dropped when the map grows, so idle keys cost nothing.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes a token for `key`: null when allowed, else the milliseconds until one is free. */
  take(key: string, now: number): number | null {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= 10_000) this.prune(now);
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    }
    // Updated in place: a take is made on every presence input, and a new object each time is garbage.
    const tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = now;
    if (tokens < 1) {
      bucket.tokens = tokens;
      return Math.ceil(((1 - tokens) / this.perSecond) * 1000);
    }
    bucket.tokens = tokens - 1;
    return null;
  }

  private prune(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}
