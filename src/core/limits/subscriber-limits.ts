import { HeraldError } from '../../errors/index.js';
import type { BucketRule, Counters } from '../../ports/counters.js';

/**
 * A request bucket per subscriber, for the routes apps and browsers call with a subscriber token:
 * one user's app cannot flood the server, whichever addresses its requests come from (or, in
 * scale-out mode, whichever nodes they reach: the buckets live in the shared counters).
 */
export class SubscriberLimits {
  readonly #rule: BucketRule;
  readonly #counters: Counters;

  constructor(burst: number, refillMs: number, counters: Counters) {
    this.#rule = { burst, refillMs };
    this.#counters = counters;
  }

  /** Spends one request of `subscriber`; 429 42901 with the wait when none is left. */
  async take(subscriber: string, nowMs: number): Promise<void> {
    const result = await this.#counters.take(`sub:${subscriber}`, this.#rule, nowMs);
    if (!result.taken) throw new HeraldError('tooManyRequests', { details: { retryAfterMs: result.waitMs } });
  }
}
