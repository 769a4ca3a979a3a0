import { HeraldError } from '../../errors/index.js';
import type { Bus, InboxBusEvent } from '../../ports/bus.js';
import type { Clock } from '../../ports/clock.js';
import type { InboxItem, InboxQuery, NotifyStore } from '../../ports/notify-store.js';

/**
 * What a live inbox stream hears: a new item, or a change of the unread count, or `gone` (the
 * subscriber was erased: the stream ends, there is nothing left to show).
 */
export type InboxEvent = InboxBusEvent;

export type InboxListener = (event: InboxEvent) => void;

export interface InboxPatch {
  read?: boolean;
  seen?: boolean;
  archived?: boolean;
}

/**
 * The in-app channel's inbox: items are stored first and only then announced to the
 * subscriber's open streams, so a stream never shows an item a reload would not find.
 *
 * Announcements go on the bus (`inbox.event`): the subscriber's streams may be open on any node,
 * and each node hands the event to the streams connected to it. The node that changes the inbox
 * reads the unread count once for all of them. With several nodes no node knows whether a stream
 * is open elsewhere, so every change is announced, watched or not.
 */
export class Inbox {
  readonly #store: NotifyStore;
  readonly #clock: Clock;
  readonly #bus: Bus;
  readonly #listeners = new Map<string, Set<InboxListener>>();

  constructor(deps: { store: NotifyStore; clock: Clock; bus: Bus }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#bus = deps.bus;
    deps.bus.subscribe('inbox.event', ({ subscriberId, event }) => this.#emit(subscriberId, event));
  }

  /**
   * Stores an item and tells the subscriber's streams. A repeat of a delivery carries the same id
   * and is stored once; it is not announced again either.
   */
  async deliver(item: InboxItem): Promise<void> {
    const repeat = (await this.#store.getInboxItem(item.subscriberId, item.id)) !== undefined;
    await this.#store.addInboxItem(item);
    if (repeat) return;
    const unread = await this.#store.unreadCount(item.subscriberId);
    await this.#announce(item.subscriberId, { kind: 'item', item, unread });
  }

  list(subscriberId: string, query: InboxQuery): Promise<InboxItem[]> {
    return this.#store.listInbox(subscriberId, query);
  }

  /** One of the subscriber's items; undefined when it is not theirs. */
  get(subscriberId: string, itemId: string): Promise<InboxItem | undefined> {
    return this.#store.getInboxItem(subscriberId, itemId);
  }

  unreadCount(subscriberId: string): Promise<number> {
    return this.#store.unreadCount(subscriberId);
  }

  /**
   * Sets or clears read/seen/archived; 404 when the item is not the subscriber's. Setting a flag
   * that is already set keeps its first time (a repeated PATCH changes nothing).
   */
  async update(subscriberId: string, itemId: string, patch: InboxPatch): Promise<InboxItem> {
    const now = this.#clock.now();
    const change: { seenAt?: number | null; readAt?: number | null; archivedAt?: number | null } = {};
    if (patch.read !== undefined) change.readAt = patch.read ? now : null;
    // Reading an item means it was seen too.
    if (patch.seen !== undefined) change.seenAt = patch.seen ? now : null;
    else if (patch.read === true) change.seenAt = now;
    if (patch.archived !== undefined) change.archivedAt = patch.archived ? now : null;
    const existing = await this.#store.getInboxItem(subscriberId, itemId);
    if (!existing) throw new HeraldError('inboxItemNotFound');
    if (change.seenAt != null && existing.seenAt !== undefined) delete change.seenAt;
    if (change.readAt != null && existing.readAt !== undefined) delete change.readAt;
    if (change.archivedAt != null && existing.archivedAt !== undefined) delete change.archivedAt;
    const item = Object.keys(change).length > 0 ? await this.#store.updateInboxItem(subscriberId, itemId, change) : existing;
    if (!item) throw new HeraldError('inboxItemNotFound');
    // Only read and archived move the unread count.
    if ('readAt' in change || 'archivedAt' in change) await this.#announceUnread(subscriberId);
    return item;
  }

  /** Marks every unread item read; returns how many changed. */
  async readAll(subscriberId: string): Promise<number> {
    const n = await this.#store.readAllInbox(subscriberId, this.#clock.now());
    if (n > 0) await this.#announceUnread(subscriberId);
    return n;
  }

  /** Listens to one subscriber's inbox; returns the function that stops listening. */
  subscribe(subscriberId: string, listener: InboxListener): () => void {
    let set = this.#listeners.get(subscriberId);
    if (!set) this.#listeners.set(subscriberId, (set = new Set()));
    set.add(listener);
    // Idempotent: a second call must not drop a set another stream has opened since.
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(subscriberId) === set) this.#listeners.delete(subscriberId);
    };
  }

  /** Tells the subscriber's open streams, on every node, that the subscriber is gone, and drops their listeners. */
  end(subscriberId: string): Promise<void> {
    return this.#announce(subscriberId, { kind: 'gone' });
  }

  /** Open streams, for metrics and tests. */
  get listeners(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  async #announceUnread(subscriberId: string): Promise<void> {
    await this.#announce(subscriberId, { kind: 'unread', unread: await this.#store.unreadCount(subscriberId) });
  }

  #announce(subscriberId: string, event: InboxEvent): Promise<void> {
    return this.#bus.publish('inbox.event', { subscriberId, event });
  }

  /**
   * An inbox event from any node, for this node's streams of the subscriber. A listener that throws
   * is dropped; the others still hear the event and the delivery stands. After `gone` the
   * subscriber's listeners are dropped.
   */
  #emit(subscriberId: string, event: InboxEvent): void {
    const set = this.#listeners.get(subscriberId);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch {
        set.delete(listener);
        if (set.size === 0 && this.#listeners.get(subscriberId) === set) this.#listeners.delete(subscriberId);
      }
    }
    if (event.kind === 'gone' && this.#listeners.get(subscriberId) === set) this.#listeners.delete(subscriberId);
  }
}
