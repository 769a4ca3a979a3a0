import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import type { LedgerWrites } from './ledger-writes.js';
import { recipientOf, type RecipientRow } from './schema.js';

/** Each recipient of a notification: its plan of channels and where it stands. Reads walk the (notification, subscriber) key. */
export function prepareRecipients(ctx: NotifyContext, write: LedgerWrites): Pick<NotifyStore, 'getRecipient' | 'updateRecipient' | 'listRecipients' | 'recipientCounts' | 'channelsInFlight'> {
  return {
    async getRecipient(seq, subscriberId) {
      const { rows } = await ctx.query<RecipientRow>('recipient', 'SELECT * FROM notify_recipients WHERE notification_seq = $1 AND subscriber_id = $2', [seq, subscriberId]);
      return rows[0] ? recipientOf(rows[0]) : undefined;
    },
    async updateRecipient(seq, subscriberId, patch, now) {
      await write({ recipients: [{ seq, subscriberId, patch }] }, now);
    },
    async listRecipients(seq, after, limit) {
      // '' sorts before every id, so no cursor and the empty cursor both start at the beginning.
      const { rows } = await ctx.query<RecipientRow>('recipients_page',
        'SELECT * FROM notify_recipients WHERE notification_seq = $1 AND subscriber_id > $2 ORDER BY subscriber_id LIMIT $3', [seq, after ?? '', limit]);
      return rows.map(recipientOf);
    },
    async recipientCounts(seq) {
      const { rows } = await ctx.query<{ state: string; n: number }>('recipient_counts',
        'SELECT state, count(*)::integer AS n FROM notify_recipients WHERE notification_seq = $1 GROUP BY state', [seq]);
      const out: Record<string, number> = {};
      for (const r of rows) out[r.state] = r.n;
      return out;
    },
    async channelsInFlight(seq) {
      const { rows } = await ctx.query<{ n: number }>('channels_in_flight',
        `SELECT count(*)::integer AS n FROM notify_channels WHERE notification_seq = $1 AND state IN ('queued', 'sending', 'retrying')`, [seq]);
      return rows[0]?.n ?? 0;
    },
  };
}
