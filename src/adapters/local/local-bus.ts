import type { Bus, BusChannel, BusChannels, BusHandler } from '../../ports/bus.js';
import type { Logger } from '../../ports/logger.js';

/**
 * The bus of a single process: `publish` calls this process's handlers directly, in the order
 * they subscribed. Also the local half of the Redis bus, which hands it what other nodes publish.
 */
export class LocalBus implements Bus {
  readonly #handlers = new Map<BusChannel, Set<BusHandler<BusChannel>>>();
  readonly #logger: Logger;
  #closed = false;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  async publish<C extends BusChannel>(channel: C, payload: BusChannels[C]): Promise<void> {
    this.deliver(channel, payload);
  }

  /** Runs the channel's handlers for one payload; a handler that throws is logged and skipped. */
  deliver<C extends BusChannel>(channel: C, payload: BusChannels[C]): void {
    if (this.#closed) return;
    const handlers = this.#handlers.get(channel);
    if (!handlers) return;
    // A copy: a handler may unsubscribe itself or others while the payload goes round.
    for (const handler of [...handlers]) {
      try {
        (handler as BusHandler<C>)(payload);
      } catch (err) {
        this.#logger.error({ err, channel }, 'bus handler failed');
      }
    }
  }

  subscribe<C extends BusChannel>(channel: C, handler: BusHandler<C>): () => void {
    let handlers = this.#handlers.get(channel);
    if (!handlers) this.#handlers.set(channel, (handlers = new Set()));
    const entry = handler as BusHandler<BusChannel>;
    handlers.add(entry);
    return () => {
      handlers.delete(entry);
    };
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#handlers.clear();
  }
}
