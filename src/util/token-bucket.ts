/**
 * A token bucket: holds up to `burst` tokens and gains one every `refillMs` (a `refillMs` of 0 or
 * less keeps it full). Time comes from the caller, so the bucket is pure and testable without
 * sleeping. The in-process counters keep one per key; the Redis counters run the same arithmetic
 * in Lua (adapters/redis/counters/take-bucket.ts), so both answer alike.
 */
export class TokenBucket {
  readonly burst: number;
  readonly refillMs: number;
  #tokens: number;
  #updatedAt: number;

  /** A full bucket, or one holding `tokens` (fractional, at most `burst`) as of `nowMs`. */
  constructor(burst: number, refillMs: number, nowMs: number, tokens = burst) {
    this.burst = burst;
    this.refillMs = refillMs;
    this.#tokens = Math.min(burst, tokens);
    this.#updatedAt = nowMs;
  }

  /** Takes n tokens if there are that many; false (and nothing taken) otherwise. */
  tryTake(nowMs: number, n = 1): boolean {
    this.#refill(nowMs);
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** Whole tokens available now. */
  available(nowMs: number): number {
    this.#refill(nowMs);
    return Math.floor(this.#tokens);
  }

  /**
   * The same bucket under another burst and refill interval: it keeps what it held when last used,
   * and refills from then on at the new rate.
   */
  retuned(burst: number, refillMs: number): TokenBucket {
    return new TokenBucket(burst, refillMs, this.#updatedAt, this.#tokens);
  }

  /** Milliseconds until n tokens are available (0 when they are). */
  waitMs(nowMs: number, n = 1): number {
    this.#refill(nowMs);
    return this.#tokens >= n || this.refillMs <= 0 ? 0 : Math.ceil((n - this.#tokens) * this.refillMs);
  }

  /** Milliseconds until the bucket is full again (0 when it is). */
  fullMs(nowMs: number): number {
    return this.waitMs(nowMs, this.burst);
  }

  /** True when the bucket is full again, i.e. its owner has been idle long enough to forget. */
  isFull(nowMs: number): boolean {
    this.#refill(nowMs);
    return this.#tokens >= this.burst;
  }

  #refill(nowMs: number): void {
    if (this.refillMs <= 0) {
      this.#tokens = this.burst;
    } else if (nowMs > this.#updatedAt) {
      this.#tokens = Math.min(this.burst, this.#tokens + (nowMs - this.#updatedAt) / this.refillMs);
    }
    this.#updatedAt = Math.max(this.#updatedAt, nowMs);
  }
}
