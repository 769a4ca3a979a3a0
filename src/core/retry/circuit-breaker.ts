export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; a positive integer. */
  failureThreshold: number;
  /** How long the circuit stays open before a trial request, in ms. */
  cooldownMs: number;
}

/**
 * A breaker for one partition (app + provider credential), driven by the caller's clock so tests
 * need no timers.
 *
 * It opens after `failureThreshold` CONSECUTIVE failures, not a failure ratio over a window: a
 * partition may send a handful of requests a day or thousands a second, and a consecutive count
 * behaves the same at both rates without tuning a window per provider. Any success resets the count.
 *
 * Open: `allow` refuses until `cooldownMs` have passed since it opened, then the breaker goes
 * half-open and lets exactly one trial through. The trial's success closes it, its failure opens it
 * for another cooldown. A trial whose outcome never arrives (its worker died) would otherwise wedge
 * the breaker half-open, so after another `cooldownMs` a new trial is let through.
 *
 * Outcomes reported while open come from requests started before it opened and are ignored: they
 * say nothing about the provider after the cooldown.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  #state: CircuitState = 'closed';
  #failures = 0;
  /** Open: when it opened. Half-open: when the trial was let through. */
  #since = 0;

  constructor(options: CircuitBreakerOptions) {
    if (!Number.isSafeInteger(options.failureThreshold) || options.failureThreshold < 1) {
      throw new RangeError('circuit breaker: failureThreshold must be a positive integer');
    }
    if (!(options.cooldownMs >= 0)) throw new RangeError('circuit breaker: cooldownMs must be a non-negative number');
    this.#threshold = options.failureThreshold;
    this.#cooldownMs = options.cooldownMs;
  }

  /** The state as of the last call; an open breaker only turns half-open inside `allow`. */
  get state(): CircuitState {
    return this.#state;
  }

  /** Consecutive failures counted while closed. */
  get failures(): number {
    return this.#failures;
  }

  /** Whether a request may go out now. In half-open, true only for the one trial. */
  allow(now: number): boolean {
    if (this.#state === 'closed') return true;
    if (now - this.#since < this.#cooldownMs) return false;
    // Open and cooled down, or half-open with a trial that never reported back.
    this.#state = 'half-open';
    this.#since = now;
    return true;
  }

  success(_now: number): void {
    if (this.#state === 'open') return;
    this.#state = 'closed';
    this.#failures = 0;
  }

  failure(now: number): void {
    if (this.#state === 'open') return;
    if (this.#state === 'closed' && ++this.#failures < this.#threshold) return;
    this.#state = 'open';
    this.#since = now;
    this.#failures = 0;
  }
}
