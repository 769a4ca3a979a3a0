/** Why a send in flight was told to stop. */
export type StopCause = 'cancelled' | 'expired' | 'stopping';

/**
 * The send attempts a partition has in flight, by push, each with the AbortController its sender
 * watches: cancelling a push stops its attempts, and a shutdown past its grace stops them all.
 * A stopped attempt hands nothing more to the provider; what it had handed over already finishes.
 */
export class InFlightSends {
  readonly #bySeq = new Map<number, Set<AbortController>>();
  #stopping = false;

  /** Registers an attempt of push `seq`; one begun after a shutdown stopped the rest is stopped at once. */
  begin(seq: number): AbortController {
    const controller = new AbortController();
    if (this.#stopping) controller.abort('stopping' satisfies StopCause);
    let set = this.#bySeq.get(seq);
    if (!set) this.#bySeq.set(seq, (set = new Set()));
    set.add(controller);
    return controller;
  }

  end(seq: number, controller: AbortController): void {
    const set = this.#bySeq.get(seq);
    if (!set) return;
    set.delete(controller);
    if (set.size === 0) this.#bySeq.delete(seq);
  }

  /** The push was cancelled: its attempts stop handing requests to the provider. */
  cancel(seq: number): void {
    for (const c of this.#bySeq.get(seq) ?? []) if (!c.signal.aborted) c.abort('cancelled' satisfies StopCause);
  }

  /** Shutdown is out of time: every attempt stops, and returns its deliveries to the queue. Returns how many attempts were stopped. */
  stopAll(): number {
    this.#stopping = true;
    let n = 0;
    for (const set of this.#bySeq.values()) {
      for (const c of set) {
        if (c.signal.aborted) continue;
        c.abort('stopping' satisfies StopCause);
        n++;
      }
    }
    return n;
  }
}

/** Why the attempt behind this signal was stopped, or undefined while it was not. */
export function stopCause(signal: AbortSignal): StopCause | undefined {
  return signal.aborted ? (signal.reason as StopCause) : undefined;
}
