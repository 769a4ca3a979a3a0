/**
 * Shared counters: the token buckets, daily counts and capped reservations behind Herald's rate
 * limits and frequency caps. In single-process mode they live in the process; in scale-out mode
 * in Redis, so a limit holds for the whole service, not once per node.
 *
 * Every method takes the time (`now`, unix ms) from its caller's injected clock; no adapter reads
 * a clock of its own (not even Redis's), so the same tests drive both adapters with a manual
 * clock, and nodes agree on a limit as far as their clocks agree. What an adapter keeps about a key
 * it may forget once keeping it would no longer change an answer (a full bucket, a past day, a
 * window with nothing left in it), so idle keys cost nothing.
 *
 * Keys are the caller's names (`req:ip:1.2.3.4`, `key:key_abc`); buckets, daily counts and
 * reservations are separate key spaces, so one name may be used in each without clashing.
 */

/** How a bucket fills: it holds at most `burst` tokens and gains one every `refillMs` (0 or less: always full). */
export interface BucketRule {
  burst: number;
  refillMs: number;
}

/** What `take` did and what the caller may tell its client (RateLimit-* and Retry-After headers). */
export interface BucketTake {
  /** True when the tokens were taken; false when there were too few (then nothing was taken). */
  taken: boolean;
  /** Whole tokens left after this call. */
  remaining: number;
  /**
   * Milliseconds until a take of the same size would succeed (for `n = 0`: of one token); 0 when it
   * would now. A refused caller sends this as Retry-After.
   */
  waitMs: number;
  /** Milliseconds until the bucket is full again; 0 when it is. */
  fullMs: number;
}

/** What `addDaily` did. */
export interface DailyAdd {
  /** True when the amount fitted within the limit and was added; false when nothing was added. */
  added: boolean;
  /** The day's total after this call. */
  value: number;
}

/**
 * One sliding window a reservation must fit in: fewer than `limit` reservations under `key` made
 * after `now - windowMs` (strictly after: one made exactly `windowMs` ago has just left the window).
 * Without `limit` the window limits nothing: the reservation is only recorded under `key`, to count
 * against later calls that do give a limit there.
 */
export interface CapWindow {
  key: string;
  /** A positive whole number of ms. */
  windowMs: number;
  /** A whole number; 0 or less refuses every reservation. */
  limit?: number;
}

/** What `reserve` did. */
export type Reservation =
  /** Reserved in every window; `repeated` when the id already held it everywhere (nothing changed). */
  | { reserved: true; repeated: boolean }
  /**
   * Refused, nothing recorded. `window` is the index of the first full window given; `retryAt`
   * (unix ms) is when that window will next have room, absent when it never will (a limit of 0).
   */
  | { reserved: false; window: number; retryAt?: number };

/**
 * Contract:
 * - Each call is atomic: two calls for one key, from one node or many, never both spend the last
 *   token, pass the same limit or fill the same window slot.
 * - `take` and `addDaily` protect the server, so an outage of a shared backend must not take the
 *   service down with it: while it is unreachable they answer from this process's own counts (the
 *   limit then holds per node) and `healthy()` is false. `reserve` and `release` guard promises made
 *   to people (at most so many e-mails a day) and never degrade: they reject while the backend is
 *   unreachable, and the caller retries later.
 * - Arguments a caller controls (keys, ids) may be any string; numbers are as each method says.
 *   A call breaking those rules rejects with a RangeError.
 */
export interface Counters {
  /**
   * Takes `n` tokens (default 1) from the bucket `key`, refilled by `rule` up to `now`; a bucket
   * seen for the first time is full. All or nothing: with fewer than `n` tokens nothing is taken
   * (so with `n > burst`, never). `n = 0` only reads. The rule applies to whatever the bucket holds,
   * so callers give one key the same rule every time.
   */
  take(key: string, rule: BucketRule, now: number, n?: number): Promise<BucketTake>;

  /**
   * Adds `n` (a whole number ≥ 0, default 1) to today's count under `key`, if the count stays at or
   * under `limit`; otherwise adds nothing. "Today" is the UTC day of `now`: counts start again at
   * 0 at midnight UTC (as ntfy's daily limits do). `n = 0` only reads (`added` is then whether the
   * count is within the limit).
   */
  addDaily(key: string, limit: number, now: number, n?: number): Promise<DailyAdd>;

  /**
   * Reserves one slot, named `id`, in every window at once, or in none: it succeeds iff each window
   * with a limit holds fewer than `limit` reservations (other than `id`'s own) made after
   * `now - windowMs`, and then records the reservation at `now` under each window's key. Checking and
   * recording are one atomic step, so concurrent callers on any number of nodes never overfill a
   * window.
   *
   * Idempotent per id: a window whose key already holds `id` counts it as taken, and it is not
   * recorded again (nor moved to `now`); a repeated call after a crash therefore neither double-counts
   * nor loses its slot. Several windows may share a key (two limits over one history), and then the
   * reservation is recorded there once.
   *
   * A key keeps its reservations as long as the longest window the latest call gave it, and drops
   * older ones; callers give one key the same windows every time (those of one set of caps).
   * `windows` must not be empty.
   */
  reserve(id: string, windows: readonly CapWindow[], now: number): Promise<Reservation>;

  /**
   * Gives back the reservation `id` under each of `keys` (a send that was planned and then
   * abandoned), so it no longer counts. True when it was held under at least one of them.
   * Idempotent: releasing what is not held does nothing.
   */
  release(id: string, keys: readonly string[]): Promise<boolean>;

  /** False while a shared backend is unreachable (readiness reports it); in-process: always true. */
  healthy(): boolean;

  /** Releases connections; idempotent. Calls after it reject. */
  close(): Promise<void>;
}
