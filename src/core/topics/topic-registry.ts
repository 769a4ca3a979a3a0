import { HeraldError } from '../../errors/index.js';

/** Whoever names a topic: a new topic is charged to them. Exempt visitors are not counted. */
export interface TopicUser {
  readonly key: string;
  readonly exempt: boolean;
}

export interface TopicLimits {
  /** Most topics on the server (ntfy's `global-topic-limit`); 429 42904 past it. */
  global: number;
  /** Most remembered topics one visitor may have brought into being; 429 42920 past it. */
  perVisitor: number;
}

interface TopicEntry {
  lastUsedMs: number;
  /** A cached message keeps its topic known until the message expires. */
  heldUntilMs: number;
  /** The visitor this topic counts against (its creator), unless that one was exempt. */
  creator: string | undefined;
}

/**
 * The topics the server knows, with when each was last used. A topic comes into being on first
 * use and is charged to the visitor who named it first, so that one visitor cannot use up the
 * server-wide limit on its own; it is forgotten once nothing holds it any more.
 */
export class TopicRegistry {
  readonly #topics = new Map<string, TopicEntry>();
  readonly #createdBy = new Map<string, number>();
  readonly #limits: TopicLimits;

  constructor(limits: TopicLimits) {
    this.#limits = limits;
  }

  /**
   * Records a use of each topic. Refuses, creating nothing, when the new ones would put `user`
   * past its own limit (429 42920) or the server past the global one (429 42904).
   */
  touch(topics: readonly string[], nowMs: number, user: TopicUser): void {
    const fresh = [...new Set(topics)].filter((t) => !this.#topics.has(t));
    if (fresh.length > 0) {
      const creator = user.exempt ? undefined : user.key;
      const created = creator === undefined ? 0 : (this.#createdBy.get(creator) ?? 0);
      if (creator !== undefined && created + fresh.length > this.#limits.perVisitor) throw new HeraldError('tooManyVisitorTopics');
      if (this.#topics.size + fresh.length > this.#limits.global) throw new HeraldError('tooManyTopics');
      for (const t of fresh) this.#topics.set(t, { lastUsedMs: nowMs, heldUntilMs: 0, creator });
      if (creator !== undefined) this.#createdBy.set(creator, created + fresh.length);
    }
    for (const t of topics) this.#topics.get(t)!.lastUsedMs = nowMs;
  }

  /** Keeps a known topic from being forgotten before `untilMs` (a cached message's expiry). */
  holdUntil(topic: string, untilMs: number): void {
    const entry = this.#topics.get(topic);
    if (entry && entry.heldUntilMs < untilMs) entry.heldUntilMs = untilMs;
  }

  get size(): number {
    return this.#topics.size;
  }

  /** How many remembered topics count against this visitor. */
  createdBy(key: string): number {
    return this.#createdBy.get(key) ?? 0;
  }

  /**
   * Forgets topics unused for `idleMs` that nothing holds: no cached message that has not expired
   * and no live subscriber (`hasSubscribers`). Returns how many were forgotten.
   */
  prune(nowMs: number, idleMs: number, hasSubscribers: (topic: string) => boolean): number {
    let removed = 0;
    for (const [topic, entry] of this.#topics) {
      if (entry.heldUntilMs > nowMs || nowMs - entry.lastUsedMs <= idleMs || hasSubscribers(topic)) continue;
      this.#topics.delete(topic);
      removed++;
      if (entry.creator === undefined) continue;
      const left = (this.#createdBy.get(entry.creator) ?? 1) - 1;
      if (left > 0) this.#createdBy.set(entry.creator, left);
      else this.#createdBy.delete(entry.creator);
    }
    return removed;
  }
}
