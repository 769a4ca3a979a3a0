const DAY_MS = 86_400_000;

/** The UTC day `nowMs` falls in, as a day number since the epoch. */
export function utcDay(nowMs: number): number {
  return Math.floor(nowMs / DAY_MS);
}

/** Unix ms at which the UTC day `day` ends (the next midnight UTC). */
export function utcDayEnd(day: number): number {
  return (day + 1) * DAY_MS;
}

/** A count that resets at midnight UTC, as ntfy's daily limits do. */
export class DailyCounter {
  readonly limit: number;
  #day: number;
  #value: number;

  /** Starts at 0, or at `value` counted earlier the same day. */
  constructor(limit: number, nowMs: number, value = 0) {
    this.limit = limit;
    this.#day = utcDay(nowMs);
    this.#value = value;
  }

  /** Adds n when the total stays within the limit; false (nothing added) otherwise. */
  tryAdd(nowMs: number, n = 1): boolean {
    this.#roll(nowMs);
    if (this.#value + n > this.limit) return false;
    this.#value += n;
    return true;
  }

  value(nowMs: number): number {
    this.#roll(nowMs);
    return this.#value;
  }

  remaining(nowMs: number): number {
    return Math.max(0, this.limit - this.value(nowMs));
  }

  /** The UTC day the count belongs to; once it is over, the counter holds nothing worth keeping. */
  get day(): number {
    return this.#day;
  }

  #roll(nowMs: number): void {
    const day = utcDay(nowMs);
    if (day !== this.#day) {
      this.#day = day;
      this.#value = 0;
    }
  }
}
