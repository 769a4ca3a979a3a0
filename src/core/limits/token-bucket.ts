/**
 * A token bucket: holds up to `burst` tokens and gains one every `refillMs`. Time comes from the
 * caller, so the bucket is pure and testable without sleeping.
 */
export class TokenBucket {
  readonly burst: number;
  readonly refillMs: number;
  #tokens: number;
  #updatedAt: number;

  constructor(burst: number, refillMs: number, nowMs: number) {
    this.burst = burst;
    this.refillMs = refillMs;
    this.#tokens = burst;
    this.#updatedAt = nowMs;
  }

  /** Takes n tokens if there are that many; false (and nothing taken) otherwise. */
  tryTake(nowMs: number, n = 1): boolean {
    this.#refill(nowMs);
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** Tokens available now. */
  available(nowMs: number): number {
    this.#refill(nowMs);
    return Math.floor(this.#tokens);
  }

  /** Milliseconds until one token is available (0 when one is). */
  waitMs(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) * this.refillMs);
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
