/**
 * Token buckets per key (a credential, an address, a user name): each key holds up to `burst`
 * tokens and regains `perSecond` a second; a request takes one. Hand-written rather than
 * express-rate-limit so that time is injected (tests move a fake clock) and the same limiter
 * serves logins and the API. At most `maxKeys` keys are kept (the least recently used go first),
 * so a flood of new keys cannot grow memory.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly options: { burst: number; perSecond: number; now: () => number; maxKeys?: number },
  ) {}

  /** Takes `cost` tokens; answers 0 when allowed, else the seconds to wait before trying again. */
  take(key: string, cost = 1): number {
    const now = this.options.now();
    const b = this.refilled(key, now);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - b.tokens) / this.options.perSecond));
  }

  /** Seconds until a request of this key would pass (0 = now), without taking anything. */
  wait(key: string): number {
    const b = this.refilled(key, this.options.now());
    return b.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / this.options.perSecond));
  }

  /** Forgets a key (a good login clears its failures). */
  reset(key: string): void {
    this.buckets.delete(key);
  }

  private refilled(key: string, now: number): { tokens: number; at: number } {
    let b = this.buckets.get(key);
    if (b) this.buckets.delete(key); // re-inserted below: Map order is recency order
    else b = { tokens: this.options.burst, at: now };
    b.tokens = Math.min(this.options.burst, b.tokens + ((now - b.at) / 1000) * this.options.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    const max = this.options.maxKeys ?? 100_000;
    if (this.buckets.size > max) this.buckets.delete(this.buckets.keys().next().value!);
    return b;
  }
}
