import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { inboxOf, time, type InboxRow } from './schema.js';

const UNREAD = 'read_at IS NULL AND archived_at IS NULL';

/**
 * One page of a subscriber's items, newest first by seq. A cursor is resolved inside the
 * statement: an id that is not the subscriber's gives NULL, `seq < NULL` holds for no row, and
 * the page is empty, as the port wants, in one round trip. Eight variants (unread, archived,
 * cursor), each its own named statement; all walk (subscriber_id, seq) backwards and stop after a
 * page, the unread ones on the partial index of unread items.
 */
function pageSql(unread: boolean, archived: boolean, before: boolean): string {
  const where = ['subscriber_id = $1'];
  if (unread) where.push('read_at IS NULL');
  where.push(archived ? 'archived_at IS NOT NULL' : 'archived_at IS NULL');
  if (before) where.push('seq < (SELECT seq FROM inbox WHERE subscriber_id = $1 AND id = $3)');
  return `SELECT * FROM inbox WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $2`;
}

/**
 * The in-app inbox: items per subscriber, newest first, with seen/read/archived marks.
 *
 * Marks are set by single UPDATE statements that name only the fields they change; the others are
 * written back as `CASE … ELSE column`, which PostgreSQL evaluates on the row as it stands once the
 * update holds its lock. So two nodes marking one item at once (one read, one archived) both land:
 * no read-modify-write in Herald can lose either.
 */
export function prepareInbox(ctx: NotifyContext): Pick<NotifyStore,
  'addInboxItem' | 'listInbox' | 'getInboxItem' | 'updateInboxItem' | 'readAllInbox' | 'unreadCount'> {
  return {
    async addInboxItem(item) {
      await ctx.query('inbox_add', `INSERT INTO inbox (id, subscriber_id, notification_id, category, title, body, url, data, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`, [
        item.id, item.subscriberId, item.notificationId ?? null, item.category ?? null, item.title ?? null, item.body, item.url ?? null,
        JSON.stringify(item.data), time(item.createdAt),
      ]);
    },
    async listInbox(subscriberId, query) {
      const unread = query.unread === true;
      const archived = query.archived === true;
      const before = query.before !== undefined;
      const values: unknown[] = [subscriberId, query.limit];
      if (before) values.push(query.before);
      const { rows } = await ctx.query<InboxRow>(`inbox_page_${Number(unread)}${Number(archived)}${Number(before)}`, pageSql(unread, archived, before), values);
      return rows.map(inboxOf);
    },
    async getInboxItem(subscriberId, id) {
      const { rows } = await ctx.query<InboxRow>('inbox_item', 'SELECT * FROM inbox WHERE subscriber_id = $1 AND id = $2', [subscriberId, id]);
      return rows[0] ? inboxOf(rows[0]) : undefined;
    },
    async updateInboxItem(subscriberId, id, patch) {
      const field = (key: 'seenAt' | 'readAt' | 'archivedAt'): [boolean, number | null] => {
        const v = patch[key];
        return [key in patch, v === undefined || v === null ? null : time(v)];
      };
      const { rows } = await ctx.query<InboxRow>('inbox_update', `UPDATE inbox SET
          seen_at = CASE WHEN $3::boolean THEN $4::bigint ELSE seen_at END,
          read_at = CASE WHEN $5::boolean THEN $6::bigint ELSE read_at END,
          archived_at = CASE WHEN $7::boolean THEN $8::bigint ELSE archived_at END
        WHERE subscriber_id = $1 AND id = $2 RETURNING *`, [subscriberId, id, ...field('seenAt'), ...field('readAt'), ...field('archivedAt')]);
      return rows[0] ? inboxOf(rows[0]) : undefined;
    },
    async readAllInbox(subscriberId, now) {
      // A row another node reads meanwhile is re-checked after its lock is ours and left out, so
      // two read-alls at once count each item once between them.
      const { rowCount } = await ctx.query('inbox_read_all',
        `UPDATE inbox SET read_at = $2, seen_at = coalesce(seen_at, $2) WHERE subscriber_id = $1 AND ${UNREAD}`, [subscriberId, time(now)]);
      return rowCount;
    },
    async unreadCount(subscriberId) {
      const { rows } = await ctx.query<{ n: number }>('inbox_unread', `SELECT count(*)::integer AS n FROM inbox WHERE subscriber_id = $1 AND ${UNREAD}`, [subscriberId]);
      return rows[0].n;
    },
  };
}
