import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { inboxOf, type Row } from './schema.js';

/** The in-app inbox: items per subscriber, newest first, with seen/read/archived marks. */
export function prepareInbox(ctx: NotifyContext): Pick<NotifyStore,
  'addInboxItem' | 'listInbox' | 'getInboxItem' | 'updateInboxItem' | 'readAllInbox' | 'unreadCount'> {
  const add = ctx.prepare<Row>(`INSERT INTO inbox (id, subscriber_id, notification_id, category, title, body, url, data, created_at)
    VALUES (:id, :subscriber, :notification, :category, :title, :body, :url, :data, :created) ON CONFLICT (id) DO NOTHING`);
  const seqOf = ctx.prepare<[string, string], { seq: number }>('SELECT seq FROM inbox WHERE subscriber_id = ? AND id = ?');
  const one = ctx.prepare<[string, string]>('SELECT * FROM inbox WHERE subscriber_id = ? AND id = ?');
  const update = ctx.prepare<Row>(`UPDATE inbox SET
      seen_at = CASE WHEN :set_seen THEN :seen ELSE seen_at END,
      read_at = CASE WHEN :set_read THEN :read ELSE read_at END,
      archived_at = CASE WHEN :set_archived THEN :archived ELSE archived_at END
    WHERE subscriber_id = :subscriber AND id = :id`);
  const readAll = ctx.prepare<[number, number, string]>(
    'UPDATE inbox SET read_at = ?, seen_at = coalesce(seen_at, ?) WHERE subscriber_id = ? AND read_at IS NULL AND archived_at IS NULL');
  const unread = ctx.prepare<[string], { n: number }>('SELECT count(*) AS n FROM inbox WHERE subscriber_id = ? AND read_at IS NULL AND archived_at IS NULL');

  return {
    async addInboxItem(item) {
      ctx.write(() => add.run({
        id: item.id, subscriber: item.subscriberId, notification: item.notificationId ?? null, category: item.category ?? null,
        title: item.title ?? null, body: item.body, url: item.url ?? null, data: JSON.stringify(item.data), created: item.createdAt,
      }));
    },
    async listInbox(subscriberId, query) {
      const where = ['subscriber_id = ?'];
      const args: unknown[] = [subscriberId];
      if (query.unread) where.push('read_at IS NULL');
      where.push(query.archived ? 'archived_at IS NOT NULL' : 'archived_at IS NULL');
      if (query.before) {
        const at = seqOf.get(subscriberId, query.before);
        if (!at) return [];
        where.push('seq < ?');
        args.push(at.seq);
      }
      args.push(query.limit);
      return ctx.prepare(`SELECT * FROM inbox WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`).all(...args).map(inboxOf);
    },
    async getInboxItem(subscriberId, id) {
      const row = one.get(subscriberId, id);
      return row ? inboxOf(row) : undefined;
    },
    async updateInboxItem(subscriberId, id, patch) {
      ctx.write(() => update.run({
        subscriber: subscriberId, id,
        set_seen: 'seenAt' in patch ? 1 : 0, seen: patch.seenAt ?? null,
        set_read: 'readAt' in patch ? 1 : 0, read: patch.readAt ?? null,
        set_archived: 'archivedAt' in patch ? 1 : 0, archived: patch.archivedAt ?? null,
      }));
      const row = one.get(subscriberId, id);
      return row ? inboxOf(row) : undefined;
    },
    async readAllInbox(subscriberId, now) {
      return ctx.write(() => readAll.run(now, now, subscriberId).changes);
    },
    async unreadCount(subscriberId) {
      return unread.get(subscriberId)!.n;
    },
  };
}
