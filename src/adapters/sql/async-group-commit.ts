interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The SQLite GroupCommit's twin for writes that complete later (PostgreSQL's, the SQLite cache
 * writer thread's): concurrent callers' items are written together, and each caller's promise
 * settles after the write that holds its item committed (or failed). A batch goes once its first
 * item has waited `delayMs` (0: to the next event-loop turn) or once it is full. By default never
 * while the previous batch is still being written: one write in flight per process, so a
 * process's messages commit in the order they were added, and items that arrive during a write
 * join the next batch, which grows with the load. `maxInFlight` lifts that for a writer that
 * keeps the order itself.
 */
export class AsyncGroupCommit<T> {
  #pending: Pending<T>[] = [];
  #timer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;
  readonly #write: (items: T[]) => Promise<void>;
  readonly #maxBatch: number;
  readonly #delayMs: number;
  readonly #maxInFlight: number;
  readonly #onBatch: ((size: number) => void) | undefined;

  constructor(options: {
    write: (items: T[]) => Promise<void>;
    maxBatch: number;
    delayMs: number;
    onBatch?: (size: number) => void;
    /**
     * How many batches may be on their way at once (default 1). More only for a writer that keeps
     * its writes in the order they were handed over (one thread taking them in turn): then a batch
     * need not wait for the one before to come back.
     */
    maxInFlight?: number;
  }) {
    this.#write = options.write;
    this.#maxBatch = Math.max(1, options.maxBatch);
    this.#delayMs = options.delayMs;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.#onBatch = options.onBatch;
  }

  add(item: T): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the message cache is closed'));
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#pending.length >= this.#maxBatch) this.#kick();
      else this.#schedule();
    });
  }

  /** Writes everything pending and waits for it; the writes' errors go to their callers, not here. */
  async flush(): Promise<void> {
    while (this.#pending.length > 0 || this.#inFlight.size > 0) {
      this.#clearTimer();
      this.#kick();
      await Promise.all(this.#inFlight);
    }
  }

  /** Writes what is pending, then refuses new items. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /** Starts the next batches, as many as may be in flight (the end of one starts the next). */
  #kick(): void {
    if (this.#pending.length === 0 || this.#inFlight.size >= this.#maxInFlight) return;
    this.#clearTimer();
    do {
      const batch = this.#pending.splice(0, this.#maxBatch);
      const run: Promise<void> = this.#run(batch).then(() => {
        this.#inFlight.delete(run);
        // Items left over from a full batch go at once; those that arrived during the write go
        // when their timer fires, or at once if it already has.
        if (this.#pending.length >= this.#maxBatch || (this.#pending.length > 0 && !this.#timer)) this.#kick();
      });
      this.#inFlight.add(run);
    } while (this.#pending.length > 0 && this.#inFlight.size < this.#maxInFlight);
  }

  async #run(batch: Pending<T>[]): Promise<void> {
    try {
      // Through a resolved promise, so even a write that throws at once settles asynchronously.
      await Promise.resolve().then(() => this.#write(batch.map((p) => p.item)));
      this.#onBatch?.(batch.length);
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  #schedule(): void {
    if (this.#timer) return;
    const fire = () => {
      this.#timer = undefined;
      this.#kick();
    };
    this.#timer = this.#delayMs > 0 ? setTimeout(fire, this.#delayMs) : setImmediate(fire);
  }

  #clearTimer(): void {
    if (!this.#timer) return;
    if (this.#delayMs > 0) clearTimeout(this.#timer as NodeJS.Timeout);
    else clearImmediate(this.#timer as NodeJS.Immediate);
    this.#timer = undefined;
  }
}
