import type { RateLimit } from './limits.js';

const MAX_BUCKETS = 10_000;

/** Token buckets in memory, one per key (per API token). Time is passed in. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: RateLimit) {}

  /** Take one request from `key`'s bucket: 0 when allowed, else the whole seconds to wait. */
  take(key: string, now: number): number {
    const { perSecond, burst } = this.limit;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.prune(now);
      b = { tokens: burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * perSecond);
    b.at = Math.max(b.at, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
  }

  /** Drop buckets that have refilled (they hold nothing a new bucket would not). */
  private prune(now: number): void {
    const full = this.limit.burst / this.limit.perSecond;
    for (const [k, b] of this.buckets) if ((now - b.at) / 1000 >= full) this.buckets.delete(k);
    if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
  }
}
