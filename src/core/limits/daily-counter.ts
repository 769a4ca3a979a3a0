const DAY_MS = 86_400_000;

/** A count that resets at midnight UTC, as ntfy's daily limits do. */
export class DailyCounter {
  readonly limit: number;
  #day: number;
  #value = 0;

  constructor(limit: number, nowMs: number) {
    this.limit = limit;
    this.#day = Math.floor(nowMs / DAY_MS);
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

  #roll(nowMs: number): void {
    const day = Math.floor(nowMs / DAY_MS);
    if (day !== this.#day) {
      this.#day = day;
      this.#value = 0;
    }
  }
}
