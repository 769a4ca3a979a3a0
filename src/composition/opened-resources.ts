import type { Logger } from '../ports/logger.js';

/**
 * What a start-up has opened so far (connections, pools, threads, listeners), to be released
 * newest first when a later step fails, so that a failed start leaves nothing behind: no pool
 * holding connections, no thread, no bound port, and the process can simply try again.
 */
export class OpenedResources {
  readonly #logger: Logger;
  readonly #closers: { name: string; close: () => unknown }[] = [];

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Remembers how to release `resource` and returns it. */
  keep<T>(name: string, resource: T, close: (resource: T) => unknown): T {
    this.#closers.push({ name, close: () => close(resource) });
    return resource;
  }

  /**
   * Releases everything kept, newest first, each after the one opened after it is gone. A release
   * that fails is logged and the others still run: the start-up error is what the caller reports.
   */
  async releaseAll(): Promise<void> {
    while (this.#closers.length > 0) {
      const { name, close } = this.#closers.pop()!;
      try {
        await close();
      } catch (err) {
        this.#logger.warn({ resource: name, error: (err as Error).message }, 'releasing after a failed start failed');
      }
    }
  }

  /** Runs `open` with a fresh set of resources; if it throws, releases what it kept and rethrows. */
  static async attempt<T>(logger: Logger, open: (opened: OpenedResources) => Promise<T>): Promise<T> {
    const opened = new OpenedResources(logger);
    try {
      return await open(opened);
    } catch (err) {
      await opened.releaseAll();
      throw err;
    }
  }
}
