/** The two logger methods a FailureLog writes with (pino's and the Logger port's shape). */
interface LogSink {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** How often a failure that keeps repeating is logged again, with the count of those left out. */
export const FAILURE_LOG_EVERY_MS = 30_000;

/**
 * Logs a background loop's failures without flooding the log during an outage: the first failure
 * is logged at once, repeats at most once every {@link FAILURE_LOG_EVERY_MS} with how many were
 * left out meanwhile, and the first success after failures once, as the recovery.
 *
 * The interval is real (monotonic) time, not Herald's Clock: it paces log lines for people, and a
 * test's stopped clock must not silence them.
 */
export class FailureLog {
  readonly #sink: LogSink;
  readonly #message: string;
  readonly #now: () => number;
  #failing = false;
  #lastLoggedAt = 0;
  #leftOut = 0;
  #failures = 0;

  constructor(sink: LogSink, message: string, now: () => number = () => performance.now()) {
    this.#sink = sink;
    this.#message = message;
    this.#now = now;
  }

  failed(err: unknown, fields: object = {}): void {
    const now = this.#now();
    this.#failures++;
    if (this.#failing && now - this.#lastLoggedAt < FAILURE_LOG_EVERY_MS) {
      this.#leftOut++;
      return;
    }
    this.#sink.error({ err, ...fields, ...(this.#leftOut > 0 ? { repeatsNotLogged: this.#leftOut } : {}) }, this.#message);
    this.#failing = true;
    this.#lastLoggedAt = now;
    this.#leftOut = 0;
  }

  succeeded(fields: object = {}): void {
    if (!this.#failing) return;
    this.#sink.info({ ...fields, failures: this.#failures }, `${this.#message}: working again`);
    this.#failing = false;
    this.#leftOut = 0;
    this.#failures = 0;
  }
}
