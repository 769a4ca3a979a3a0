import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';

/** Notifications deleted per transaction, so retention never holds the write lock for long. */
const PRUNE_BATCH = 5000;

/** Forgetting notifications (with their recipients and channels) and sends past retention. */
export function prepareRetention(ctx: NotifyContext): Pick<NotifyStore, 'prune'> {
  const oldest = ctx.prepare<[number, number], number>('SELECT seq FROM notifications WHERE created_at < ? ORDER BY seq LIMIT ?').pluck();
  const deletes = [
    'DELETE FROM notify_channels WHERE notification_seq IN (SELECT value FROM json_each(?))',
    'DELETE FROM notify_recipients WHERE notification_seq IN (SELECT value FROM json_each(?))',
    'DELETE FROM notifications WHERE seq IN (SELECT value FROM json_each(?))',
  ].map((s) => ctx.prepare<[string]>(s));
  const pruneSends = ctx.prepare<[number]>('DELETE FROM notify_sends WHERE at < ?');

  const pruneBatch = ctx.sqlite.transaction((before: number): number => {
    const seqs = oldest.all(before, PRUNE_BATCH);
    if (seqs.length === 0) return 0;
    const list = JSON.stringify(seqs);
    for (const statement of deletes) statement.run(list);
    return seqs.length;
  });

  return {
    async prune(before) {
      let total = 0;
      for (;;) {
        const n = ctx.write(() => pruneBatch.immediate(before));
        total += n;
        if (n < PRUNE_BATCH) break;
      }
      // Caps look back at most a few days; a month of sends is more than any window needs.
      ctx.write(() => pruneSends.run(before));
      return total;
    },
  };
}
