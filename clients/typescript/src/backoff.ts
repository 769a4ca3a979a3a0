/** How long to wait before reconnecting a stream. */
export interface BackoffOptions {
  /** The first wait, in milliseconds (default 500). */
  initialMs?: number;
  /** The longest wait, in milliseconds (default 30 000). */
  maxMs?: number;
}

/**
 * Exponential backoff with full jitter: the n-th wait in a row is random in [0, min(max, initial·2ⁿ)),
 * so clients dropped together by a restart do not all come back in the same instant.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
