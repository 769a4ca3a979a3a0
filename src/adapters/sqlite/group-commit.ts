interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface GroupCommitOptions<T> {
  /** Writes one batch in one transaction; synchronous, so a throw fails exactly that batch. */
  write: (items: T[]) => void;
  maxBatch: number;
  /** How long the first item of a batch waits for company (0: until the next event-loop turn). */
  delayMs: number;
  /** Called with the size of each committed batch (for metrics). */
  onBatch?: (size: number) => void;
  /**
   * Makes committed batches durable (an fsync of the WAL, off the event loop). When given,
   * callers' promises resolve only after the first `durable()` that started after their batch
   * committed has resolved; batches committed while one runs share the next.
   */
  durable?: () => Promise<void>;
}

/**
 * Collects writes from concurrent callers and commits them together: every caller's promise
 * resolves after the one transaction that holds its item has committed (or rejects with its error).
 * Many publishes then share one fsync instead of paying one each.
 *
 * With `durable`, the commit itself does not sync and the event loop never waits on the disk:
 * while one sync is in flight, new items gather and are committed as one batch when it ends (or
 * at once when a reader calls flush, so reads see every add made before them), then synced.
 */
export class GroupCommit<T> {
  #pending: Waiter<T>[] = [];
  /** Committed, waiting for the next durable() to start. */
  #unsynced: Waiter<T>[] = [];
  #syncing: Promise<void> | undefined;
  #timer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  readonly #write: (items: T[]) => void;
  readonly #maxBatch: number;
  readonly #delayMs: number;
  readonly #onBatch: ((size: number) => void) | undefined;
  readonly #durable: (() => Promise<void>) | undefined;

  constructor(options: GroupCommitOptions<T>) {
    this.#write = options.write;
    this.#maxBatch = Math.max(1, options.maxBatch);
    this.#delayMs = options.delayMs;
    this.#onBatch = options.onBatch;
    this.#durable = options.durable;
  }

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#pending.length >= this.#maxBatch) this.flush();
      else this.#schedule();
    });
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Commits everything pending now, in batches of at most maxBatch (and starts their sync). */
  flush(): void {
    this.#clearTimer();
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      try {
        this.#write(batch.map((p) => p.item));
        this.#onBatch?.(batch.length);
        if (this.#durable) this.#unsynced.push(...batch);
        else for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.#startSync();
  }

  /** Commits what is pending and waits until every committed item is durable. */
  async drain(): Promise<void> {
    this.flush();
    while (this.#syncing) await this.#syncing;
  }

  #startSync(): void {
    if (!this.#durable || this.#syncing || this.#unsynced.length === 0) return;
    const waiting = this.#unsynced;
    this.#unsynced = [];
    this.#syncing = this.#durable().then(
      () => { for (const p of waiting) p.resolve(); },
      (err: unknown) => { for (const p of waiting) p.reject(err); },
    ).finally(() => {
      this.#syncing = undefined;
      // What gathered during the sync is the next batch.
      if (this.#pending.length > 0) this.flush();
      else this.#startSync();
    });
  }

  #schedule(): void {
    // A sync in flight flushes when it ends; items wait for it rather than commit in dribbles.
    if (this.#timer || this.#syncing) return;
    // setImmediate lets every request that arrived in this event-loop turn join the batch.
    this.#timer = this.#delayMs > 0 ? setTimeout(() => this.flush(), this.#delayMs) : setImmediate(() => this.flush());
  }

  #clearTimer(): void {
    if (!this.#timer) return;
    if (this.#delayMs > 0) clearTimeout(this.#timer as NodeJS.Timeout);
    else clearImmediate(this.#timer as NodeJS.Immediate);
    this.#timer = undefined;
  }
}
