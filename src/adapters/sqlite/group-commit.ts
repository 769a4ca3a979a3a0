/**
 * Collects writes from concurrent callers and commits them together: every caller's promise
 * resolves after the one transaction that holds its item has committed (or rejects with its error).
 * Many publishes then share one fsync instead of paying one each.
 */
export class GroupCommit<T> {
  #pending: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #timer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  readonly #write: (items: T[]) => void;
  readonly #maxBatch: number;
  readonly #delayMs: number;
  readonly #onBatch: ((size: number) => void) | undefined;

  constructor(options: { write: (items: T[]) => void; maxBatch: number; delayMs: number; onBatch?: (size: number) => void }) {
    this.#write = options.write;
    this.#maxBatch = Math.max(1, options.maxBatch);
    this.#delayMs = options.delayMs;
    this.#onBatch = options.onBatch;
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

  /** Writes everything pending now, in batches of at most maxBatch. */
  flush(): void {
    if (this.#timer) {
      if (this.#delayMs > 0) clearTimeout(this.#timer as NodeJS.Timeout);
      else clearImmediate(this.#timer as NodeJS.Immediate);
      this.#timer = undefined;
    }
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      try {
        this.#write(batch.map((p) => p.item));
        this.#onBatch?.(batch.length);
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  }

  #schedule(): void {
    if (this.#timer) return;
    // setImmediate lets every request that arrived in this event-loop turn join the batch.
    this.#timer = this.#delayMs > 0 ? setTimeout(() => this.flush(), this.#delayMs) : setImmediate(() => this.flush());
  }
}
