import type { NotificationRecord, NotifyStore } from '../../ports/notify-store.js';

/** Copies kept; beyond it the oldest goes. Work in flight touches a few notifications at a time. */
const KEPT = 256;

/**
 * This node's copies of the notifications its jobs work: every channel, plan and confirm job
 * reads its notification, so a broadcast would otherwise read one row thousands of times.
 *
 * Only a notification done routing is kept: while it routes, its cursor and recipient count move
 * with every page. Once routed it changes once more at most, when it is cancelled; the cancelling
 * node announces that on the bus (`notify.cancelled`) and every node's engine calls {@link forget},
 * so no node sends from a stale copy.
 */
export class NotificationCache {
  readonly #store: Pick<NotifyStore, 'getNotificationBySeq'>;
  readonly #kept = new Map<number, NotificationRecord>();
  /** Bumped by every forget: a read that started before one may return the old row, so it is not kept. */
  #forgets = 0;

  constructor(store: Pick<NotifyStore, 'getNotificationBySeq'>) {
    this.#store = store;
  }

  async get(seq: number): Promise<NotificationRecord | undefined> {
    const kept = this.#kept.get(seq);
    if (kept) return kept;
    const forgets = this.#forgets;
    const n = await this.#store.getNotificationBySeq(seq);
    if (n && n.phase !== 'routing' && forgets === this.#forgets) {
      this.#kept.set(seq, n);
      if (this.#kept.size > KEPT) this.#kept.delete(this.#kept.keys().next().value as number);
    }
    return n;
  }

  /** The notification changed: the next {@link get} reads it again. */
  forget(seq: number): void {
    this.#forgets++;
    this.#kept.delete(seq);
  }
}
