import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import type { LedgerWrites } from './ledger-writes.js';
import { recipientOf } from './schema.js';

/** Each recipient of a notification: its plan of channels and where it stands. */
export function prepareRecipients(ctx: NotifyContext, writes: LedgerWrites): Pick<NotifyStore, 'getRecipient' | 'updateRecipient' | 'listRecipients' | 'recipientCounts' | 'channelsInFlight'> {
  const one = ctx.prepare<[number, string]>('SELECT * FROM notify_recipients WHERE notification_seq = ? AND subscriber_id = ?');
  const page = ctx.prepare<[number, string, number]>('SELECT * FROM notify_recipients WHERE notification_seq = ? AND subscriber_id > ? ORDER BY subscriber_id LIMIT ?');
  const counts = ctx.prepare<[number], { state: string; n: number }>('SELECT state, count(*) AS n FROM notify_recipients WHERE notification_seq = ? GROUP BY state');
  const inFlight = ctx.prepare<[number], { n: number }>(`SELECT count(*) AS n FROM notify_channels WHERE notification_seq = ? AND state IN ('queued', 'sending', 'retrying')`);

  return {
    async getRecipient(seq, subscriberId) {
      const row = one.get(seq, subscriberId);
      return row ? recipientOf(row) : undefined;
    },
    async updateRecipient(seq, subscriberId, patch, now) {
      ctx.write(() => writes.updateRecipient(seq, subscriberId, patch, now));
    },
    async listRecipients(seq, after, limit) {
      return page.all(seq, after ?? '', limit).map(recipientOf);
    },
    async recipientCounts(seq) {
      const out: Record<string, number> = {};
      for (const r of counts.all(seq)) out[r.state] = r.n;
      return out;
    },
    async channelsInFlight(seq) {
      return inFlight.get(seq)?.n ?? 0;
    },
  };
}
