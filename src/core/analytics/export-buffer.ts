/**
 * The rows waiting for the analytics database, oldest first, never more than `limit`: when the
 * database is away for long the oldest rows are dropped, so memory stays bounded and the newest
 * picture survives. Pure: no timers, no I/O.
 */
export class ExportBuffer<T> {
  readonly #limit: number;
  // A queue with a moving head: taking from the front of a long array would copy it every time.
  #items: T[] = [];
  #head = 0;

  constructor(limit: number) {
    if (!(limit >= 1)) throw new RangeError('the export buffer needs room for at least one row');
    this.#limit = limit;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Appends rows; returns how many of the oldest were dropped to stay within the limit. */
  push(rows: readonly T[]): number {
    for (const row of rows) this.#items.push(row);
    return this.#trim();
  }

  /** Removes and returns up to `max` of the oldest rows. */
  take(max: number): T[] {
    const end = Math.min(this.#items.length, this.#head + max);
    const out = this.#items.slice(this.#head, end);
    this.#head = end;
    this.#compact();
    return out;
  }

  /**
   * Puts rows taken earlier (a write that failed) back in front, as the oldest; returns how many
   * rows were dropped, oldest first, to stay within the limit.
   */
  putBack(rows: readonly T[]): number {
    this.#items = [...rows, ...this.#items.slice(this.#head)];
    this.#head = 0;
    return this.#trim();
  }

  #trim(): number {
    const over = this.size - this.#limit;
    if (over <= 0) return 0;
    this.#head += over;
    this.#compact();
    return over;
  }

  /** Frees the taken slots once they are most of the array. */
  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
