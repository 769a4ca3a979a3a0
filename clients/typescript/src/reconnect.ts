import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import { HeraldHttpError } from './context.js';

export interface ReconnectOptions {
  backoff?: BackoffOptions | undefined;
  onError?: ((error: unknown, retryInMs: number | undefined) => void) | undefined;
}

/**
 * Runs `connect` again and again until `signal` aborts: each time a connection ends or fails, after
 * a backoff that grows with failures in a row (a connection that opened, as `opened()` counts,
 * starts the count again). Gives up on an answer that asking again cannot change (a 4xx other
 * than 408 and 429), reporting it with `retryInMs` undefined.
 */
export async function keepConnected(connect: () => Promise<void>, opened: () => number, signal: AbortSignal, options: ReconnectOptions): Promise<void> {
  for (let failures = 0; !signal.aborted; failures++) {
    const before = opened();
    let error: unknown;
    try {
      await connect();
      error = new Error('the stream ended');
    } catch (err) {
      error = err;
    }
    if (signal.aborted) return;
    if (error instanceof HeraldHttpError && !error.retryable) {
      options.onError?.(error, undefined);
      return;
    }
    if (opened() > before) failures = 0;
    const delay = backoffDelay(failures, options.backoff);
    options.onError?.(error, delay);
    await sleep(delay, signal);
  }
}

/** An AbortController that also aborts with `outer`; `release` stops listening to `outer`. */
export function linkedAbort(outer: AbortSignal | undefined): { controller: AbortController; release(): void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  if (outer?.aborted) controller.abort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  return { controller, release: () => outer?.removeEventListener('abort', onAbort) };
}
