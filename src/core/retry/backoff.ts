export interface BackoffOptions {
  /** The ceiling of the first attempt's delay, in ms; >= 0. */
  baseMs: number;
  /** No delay exceeds this, in ms; >= 0. */
  maxMs: number;
  /** Uniform in [0, 1), like Math.random (the default); injected by tests. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from the whole range
 * [0, min(maxMs, baseMs * 2^(attempt - 1))], in whole ms. Full rather than partial jitter because
 * after a provider outage thousands of deliveries fail at once, and spreading their retries over
 * the whole window is what keeps them from coming back as one burst (AWS's "Exponential Backoff
 * and Jitter" measures this). `attempt` counts from 1; anything lower is treated as 1.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = backoffCeiling(attempt, options);
  const random = options.random ?? Math.random;
  // floor(r * (c + 1)) spreads [0, 1) evenly over the c + 1 whole numbers 0..c; the min guards a
  // random() that returns exactly 1.
  return Math.min(ceiling, Math.floor(random() * (ceiling + 1)));
}

/** The top of attempt's jitter range: min(maxMs, baseMs * 2^(attempt - 1)), whole ms. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  const { baseMs, maxMs } = options;
  if (!(baseMs >= 0) || !(maxMs >= 0)) throw new RangeError('backoff: baseMs and maxMs must be non-negative numbers');
  const n = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
  // Past 2^1023 the power is Infinity, and Infinity * 0 would be NaN; min() settles both.
  const exponential = baseMs === 0 ? 0 : baseMs * 2 ** Math.min(n - 1, 1023);
  return Math.floor(Math.min(maxMs, exponential));
}

/**
 * When attempt `attempt` should be retried: `now` plus the jittered backoff, but never sooner than
 * a provider's Retry-After (`retryAfterMs`), which the provider may enforce by throttling harder.
 * Retry-After is a floor, not a ceiling: it is honoured even above `maxMs`.
 */
export function retryAt(attempt: number, now: number, retryAfterMs: number | undefined, options: BackoffOptions): number {
  const delay = backoffDelay(attempt, options);
  const floor = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? Math.ceil(retryAfterMs) : 0;
  return now + Math.max(delay, floor);
}
