import { HeraldError } from '../../errors/index.js';

/**
 * The topics the server knows, with when each was last used. A topic comes into being on first
 * use; the server-wide limit (ntfy's `global-topic-limit`) refuses new ones past the cap.
 */
export class TopicRegistry {
  #lastUsed = new Map<string, number>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Records a use of each topic, or 429 42904 if one of them would be a topic too many. */
  touch(topics: readonly string[], nowMs: number): void {
    const fresh = topics.filter((t) => !this.#lastUsed.has(t));
    if (fresh.length > 0 && this.#lastUsed.size + fresh.length > this.#limit) throw new HeraldError('tooManyTopics');
    for (const t of topics) this.#lastUsed.set(t, nowMs);
  }

  get size(): number {
    return this.#lastUsed.size;
  }

  /** Forgets topics unused for idleMs that `isActive` does not vouch for (live subscribers). */
  prune(nowMs: number, idleMs: number, isActive: (topic: string) => boolean): number {
    let removed = 0;
    for (const [topic, last] of this.#lastUsed) {
      if (nowMs - last > idleMs && !isActive(topic)) {
        this.#lastUsed.delete(topic);
        removed++;
      }
    }
    return removed;
  }
}
