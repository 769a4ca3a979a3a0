import type { Principal } from '../auth/principal.js';
import type { Message } from '../messages/message.js';
import { Envelope } from './envelope.js';

/** One live stream (JSON, SSE, raw or WebSocket) as the hub sees it. */
export interface LiveSubscriber {
  readonly topics: readonly string[];
  /** Who subscribed, so the subscription can be ended when they lose read access. */
  readonly principal?: Principal;
  /** True when the subscriber wants this message (its since/filters are already applied). */
  accepts(message: Message): boolean;
  /**
   * Hands the event to the transport. Must not block: a transport that cannot keep up drops
   * its own connection instead of slowing the others down.
   */
  deliver(envelope: Envelope): void;
  /** Ends the subscription from the server side (shutdown). */
  close(): void;
}

/**
 * The in-process registry of live subscribers per topic. Publishing walks the topic's set once
 * and gives every accepting subscriber the same envelope.
 */
export class Hub {
  #byTopic = new Map<string, Set<LiveSubscriber>>();
  #count = 0;

  add(subscriber: LiveSubscriber): void {
    for (const topic of subscriber.topics) {
      let set = this.#byTopic.get(topic);
      if (!set) this.#byTopic.set(topic, (set = new Set()));
      set.add(subscriber);
    }
    this.#count++;
  }

  remove(subscriber: LiveSubscriber): void {
    let removed = false;
    for (const topic of subscriber.topics) {
      const set = this.#byTopic.get(topic);
      if (set?.delete(subscriber)) removed = true;
      if (set && set.size === 0) this.#byTopic.delete(topic);
    }
    if (removed) this.#count--;
  }

  /** Delivers to every live subscriber of the message's topic; returns how many got it. */
  publish(message: Message): number {
    const set = this.#byTopic.get(message.topic);
    if (!set) return 0;
    const envelope = new Envelope(message);
    let delivered = 0;
    // Copy first: a delivery may close its connection and remove itself from the set.
    for (const subscriber of [...set]) {
      try {
        if (!subscriber.accepts(message)) continue;
        subscriber.deliver(envelope);
        delivered++;
      } catch {
        // One broken connection must not cost the others their message; it is closed instead.
        this.remove(subscriber);
        subscriber.close();
      }
    }
    return delivered;
  }

  subscriberCount(topic?: string): number {
    return topic === undefined ? this.#count : (this.#byTopic.get(topic)?.size ?? 0);
  }

  /** Every live subscriber, for closing them all at shutdown. */
  all(): LiveSubscriber[] {
    const seen = new Set<LiveSubscriber>();
    for (const set of this.#byTopic.values()) for (const s of set) seen.add(s);
    return [...seen];
  }
}
