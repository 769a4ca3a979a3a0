import type { BucketRule, BucketTake, CapWindow, Counters, DailyAdd, Reservation } from '../../ports/counters.js';
import { DailyCounter, utcDay } from '../../util/daily-counter.js';
import { TokenBucket } from '../../util/token-bucket.js';
import { checkBucketArgs, checkDailyArgs, checkReleaseArgs, checkReserveArgs } from '../../util/counter-args.js';

/** Keys held before the first sweep; afterwards a sweep runs whenever the count doubles. */
const FIRST_SWEEP_AT = 10_000;

/** The reservations under one key: id → unix ms, and when the last of them leaves every window. */
interface WindowLog {
  at: Map<string, number>;
  keepUntil: number;
}

/**
 * The counters of a single process, in memory. Every call finishes synchronously and returns an
 * already-settled promise: on the request path it costs a map lookup and a little arithmetic.
 * Also the fallback of the Redis counters while Redis is unreachable.
 *
 * Forgetting is lazy: when the number of keys has doubled since the last sweep, a sweep drops
 * every key whose state is back to "never seen" (a full bucket, a past day, a window with nothing
 * left), so memory follows the active keys and the sweep's cost is spread over the calls.
 */
export class LocalCounters implements Counters {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #daily = new Map<string, DailyCounter>();
  readonly #windows = new Map<string, WindowLog>();
  #sweepAt = FIRST_SWEEP_AT;
  #closed = false;

  take(key: string, rule: BucketRule, now: number, n = 1): Promise<BucketTake> {
    try {
      return Promise.resolve(this.#take(key, rule, now, n));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  addDaily(key: string, limit: number, now: number, n = 1): Promise<DailyAdd> {
    try {
      return Promise.resolve(this.#addDaily(key, limit, now, n));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  reserve(id: string, windows: readonly CapWindow[], now: number): Promise<Reservation> {
    try {
      return Promise.resolve(this.#reserve(id, windows, now));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  release(id: string, keys: readonly string[]): Promise<boolean> {
    try {
      return Promise.resolve(this.#release(id, keys));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #take(key: string, rule: BucketRule, now: number, n = 1): BucketTake {
    this.#open();
    checkBucketArgs(rule, now, n);
    const known = this.#buckets.get(key);
    let bucket = known;
    // The rule applies to what the bucket holds (as in Redis, which keeps only tokens and a time).
    if (bucket !== undefined && (bucket.burst !== rule.burst || bucket.refillMs !== rule.refillMs)) bucket = bucket.retuned(rule.burst, rule.refillMs);
    // A key never seen is a full bucket.
    bucket ??= new TokenBucket(rule.burst, rule.refillMs, now);
    const taken = n > 0 && bucket.tryTake(now, n);
    const fullMs = bucket.fullMs(now);
    // A full bucket is the same as none: only a bucket with tokens missing is kept.
    if (fullMs === 0) {
      if (known !== undefined) this.#buckets.delete(key);
    } else if (bucket !== known) {
      this.#remember(this.#buckets, key, bucket, now);
    }
    return { taken, remaining: bucket.available(now), waitMs: bucket.waitMs(now, n > 0 ? n : 1), fullMs };
  }

  #addDaily(key: string, limit: number, now: number, n = 1): DailyAdd {
    this.#open();
    checkDailyArgs(limit, now, n);
    const known = this.#daily.get(key);
    let counter = known;
    if (counter !== undefined && counter.limit !== limit) counter = new DailyCounter(limit, now, counter.value(now));
    counter ??= new DailyCounter(limit, now);
    const added = counter.tryAdd(now, n);
    // A count of 0 is the same as none.
    if (counter !== known) {
      if (counter.value(now) > 0) this.#remember(this.#daily, key, counter, now);
      else if (known !== undefined) this.#daily.delete(key);
    }
    return { added, value: counter.value(now) };
  }

  #reserve(id: string, windows: readonly CapWindow[], now: number): Reservation {
    this.#open();
    checkReserveArgs(id, windows, now);
    // Drop what has left every window given for a key, as the Redis script does.
    const longest = new Map<string, number>();
    for (const w of windows) longest.set(w.key, Math.max(longest.get(w.key) ?? 0, w.windowMs));
    for (const [key, windowMs] of longest) {
      const log = this.#windows.get(key);
      if (!log) continue;
      for (const [held, at] of log.at) if (at <= now - windowMs) log.at.delete(held);
    }
    let repeated = true;
    for (const key of longest.keys()) if (!this.#windows.get(key)?.at.has(id)) repeated = false;
    for (let i = 0; i < windows.length; i++) {
      const { key, limit, windowMs } = windows[i]!;
      const log = this.#windows.get(key);
      if (limit === undefined || log?.at.has(id)) continue;
      const since = now - windowMs;
      const inside: number[] = [];
      if (log) for (const at of log.at.values()) if (at > since) inside.push(at);
      if (inside.length >= limit) {
        if (limit <= 0) return { reserved: false, window: i };
        // Room comes back when enough of the oldest have left: the (count - limit + 1)-th oldest.
        inside.sort((a, b) => a - b);
        return { reserved: false, window: i, retryAt: inside[inside.length - limit]! + windowMs };
      }
    }
    for (const [key, windowMs] of longest) {
      const known = this.#windows.get(key);
      const log = known ?? { at: new Map<string, number>(), keepUntil: 0 };
      if (!log.at.has(id)) log.at.set(id, now);
      let newest = now;
      for (const at of log.at.values()) if (at > newest) newest = at;
      log.keepUntil = newest + windowMs;
      if (!known) this.#remember(this.#windows, key, log, now);
    }
    return { reserved: true, repeated };
  }

  #release(id: string, keys: readonly string[]): boolean {
    this.#open();
    checkReleaseArgs(id, keys);
    let held = false;
    for (const key of keys) {
      const log = this.#windows.get(key);
      if (log?.at.delete(id)) held = true;
      if (log?.at.size === 0) this.#windows.delete(key);
    }
    return held;
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#buckets.clear();
    this.#daily.clear();
    this.#windows.clear();
  }

  /** Keys currently held, of every kind (for tests of forgetting). */
  get size(): number {
    return this.#buckets.size + this.#daily.size + this.#windows.size;
  }

  #open(): void {
    if (this.#closed) throw new Error('counters closed');
  }

  #remember<V>(map: Map<string, V>, key: string, value: V, now: number): void {
    map.set(key, value);
    if (this.size >= this.#sweepAt) {
      this.#sweep(now);
      this.#sweepAt = Math.max(FIRST_SWEEP_AT, 2 * this.size);
    }
  }

  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
    const today = utcDay(now);
    for (const [key, counter] of this.#daily) if (counter.day < today) this.#daily.delete(key);
    for (const [key, log] of this.#windows) if (log.keepUntil <= now) this.#windows.delete(key);
  }
}

