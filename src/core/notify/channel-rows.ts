import type { ChannelDeliveryRecord, ChannelState, NotifyStore } from '../../ports/notify-store.js';
import type { NotifyEvents } from './notify-events.js';

/** Channel states after which nothing more happens to a delivery. */
export const FINAL_CHANNEL: ReadonlySet<ChannelState> = new Set(['sent', 'delivered', 'failed', 'suppressed', 'unavailable', 'timeout', 'expired', 'cancelled']);

/** "email: bounced; sms: no phone", for a recipient's reason. */
export function summarize(rows: readonly ChannelDeliveryRecord[]): string {
  return rows.map((r) => `${r.channel}: ${r.reason ?? r.state}`).join('; ');
}

/**
 * Writes channel delivery rows and reports each state reached to the metrics, once per write:
 * one row at a time ({@link record}), or around a batch the caller writes itself ({@link writing}
 * before, {@link reached} after).
 */
export class ChannelRows {
  readonly #store: Pick<NotifyStore, 'upsertChannel'>;
  readonly #events: NotifyEvents | undefined;

  constructor(store: Pick<NotifyStore, 'upsertChannel'>, events: NotifyEvents | undefined) {
    this.#store = store;
    this.#events = events;
  }

  async record(row: ChannelDeliveryRecord): Promise<void> {
    await this.writing([row]);
    await this.#store.upsertChannel(row);
    this.#events?.channel(row.channel, row.state);
    this.#events?.row?.(row);
  }

  /** Rows about to be written in a batch: call before writing them (see NotifyEvents.writing). */
  async writing(rows: readonly ChannelDeliveryRecord[]): Promise<void> {
    if (rows.length > 0) await this.#events?.writing?.(rows);
  }

  /** Rows just written in a batch. */
  reached(rows: Iterable<ChannelDeliveryRecord>): void {
    for (const row of rows) {
      this.#events?.channel(row.channel, row.state);
      this.#events?.row?.(row);
    }
  }
}
