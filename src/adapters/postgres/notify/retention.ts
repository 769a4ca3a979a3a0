import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { time } from './schema.js';

/** Notifications deleted per statement, so retention never holds many locks or a long transaction. */
const PRUNE_BATCH = 5000;

/**
 * One batch: the oldest notifications before the limit with their recipient and channel rows (both
 * keyed by notification first), in one statement. SKIP LOCKED lets two nodes pruning at once share
 * the work instead of waiting on each other's batches, and leaves alone a notification a writer
 * holds at that moment; the next run takes it.
 */
const PRUNE_SQL = `
  WITH doomed AS (
    SELECT seq FROM notifications WHERE created_at < $1 ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED
  ), channels AS (
    DELETE FROM notify_channels WHERE notification_seq IN (SELECT seq FROM doomed)
  ), recipients AS (
    DELETE FROM notify_recipients WHERE notification_seq IN (SELECT seq FROM doomed)
  ), gone AS (
    DELETE FROM notifications WHERE seq IN (SELECT seq FROM doomed) RETURNING 1
  )
  SELECT count(*)::integer AS n FROM gone`;

/** Forgetting notifications (with their recipients and channels) and cap sends past retention. */
export function prepareRetention(ctx: NotifyContext): Pick<NotifyStore, 'prune'> {
  return {
    async prune(before) {
      const limit = time(before);
      let total = 0;
      for (;;) {
        const { rows: [{ n }] } = await ctx.query<{ n: number }>('prune', PRUNE_SQL, [limit, PRUNE_BATCH]);
        total += n;
        if (n < PRUNE_BATCH) break;
      }
      // Caps look back at most a few days; found through the BRIN index on the send time.
      await ctx.query('prune_sends', 'DELETE FROM notify_sends WHERE at < $1', [limit]);
      return total;
    },
  };
}
