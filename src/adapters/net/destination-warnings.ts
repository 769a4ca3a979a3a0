import type { Logger } from '../../ports/logger.js';

/** Destinations remembered as failing at most; past it the oldest is forgotten (and may warn again). */
const MAX_REMEMBERED = 1000;

/**
 * Warns when a destination (an origin: scheme, host and port) fails for the first time, then stays
 * quiet about it until it has worked again: a push service or webhook receiver that is down makes
 * one log line, not one per attempt of every delivery.
 */
export class DestinationWarnings {
  readonly #logger: Logger;
  readonly #failing = new Set<string>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  failed(destination: string, fields: Record<string, unknown>, msg: string): void {
    if (this.#failing.has(destination)) return;
    if (this.#failing.size >= MAX_REMEMBERED) this.#failing.delete(this.#failing.values().next().value as string);
    this.#failing.add(destination);
    this.#logger.warn({ destination, ...fields }, msg);
  }

  succeeded(destination: string): void {
    if (this.#failing.size > 0) this.#failing.delete(destination);
  }
}

/** The origin of a URL, the unit a warning is about; the path may carry a subscription's secret id. */
export function destinationOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(malformed URL)';
  }
}
