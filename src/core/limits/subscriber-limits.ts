import { HeraldError } from '../../errors/index.js';
import { TokenBucket } from './token-bucket.js';

/** Buckets kept before idle ones are dropped; a subscriber not seen for a while starts full again. */
const MAX_BUCKETS = 100_000;

/**
 * A request bucket per subscriber, for the routes apps and browsers call with a subscriber token:
 * one user's app cannot flood the server, whichever addresses its requests come from.
 */
export class SubscriberLimits {
  readonly #burst: number;
  readonly #refillMs: number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(burst: number, refillMs: number) {
    this.#burst = burst;
    this.#refillMs = refillMs;
  }

  /** Spends one request of `subscriber`; 429 42901 with the wait when none is left. */
  take(subscriber: string, nowMs: number): void {
    let bucket = this.#buckets.get(subscriber);
    if (!bucket) {
      if (this.#buckets.size >= MAX_BUCKETS) this.#prune(nowMs);
      this.#buckets.set(subscriber, (bucket = new TokenBucket(this.#burst, this.#refillMs, nowMs)));
    }
    if (!bucket.tryTake(nowMs)) throw new HeraldError('tooManyRequests', { details: { retryAfterMs: bucket.waitMs(nowMs) } });
  }

  /** Full buckets carry no state worth keeping. */
  #prune(nowMs: number): void {
    for (const [id, b] of this.#buckets) if (b.available(nowMs) >= this.#burst) this.#buckets.delete(id);
    if (this.#buckets.size >= MAX_BUCKETS) this.#buckets.clear();
  }
}
