import type { NotifyStore, RecipientRecord } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { notificationOf, type Row } from './schema.js';

/** Accepting a notification (once per idempotency key) and routing it to its recipients page by page. */
export function prepareNotifications(ctx: NotifyContext): Pick<NotifyStore,
  'createNotification' | 'getNotification' | 'getNotificationBySeq' | 'listNotifications' | 'unroutedNotifications' | 'addRecipients' | 'setPhase'> {
  const seen = ctx.prepare<[string, string, number]>('SELECT * FROM notifications WHERE actor = ? AND idempotency_key = ? AND created_at >= ? ORDER BY seq DESC LIMIT 1');
  const insert = ctx.prepare<Row>(`INSERT INTO notifications (id, template, category, priority, strategy, channels, data, audience, send_at, expires_at, idempotency_key, actor, created_at, phase)
    VALUES (:id, :template, :category, :priority, :strategy, :channels, :data, :audience, :send_at, :expires_at, :idempotency_key, :actor, :created_at, 'routing') RETURNING *`);
  const byId = ctx.prepare<[string]>('SELECT * FROM notifications WHERE id = ?');
  const bySeq = ctx.prepare<[number]>('SELECT * FROM notifications WHERE seq = ?');
  const list = ctx.prepare<Row>(`SELECT * FROM notifications WHERE seq < :before
    AND (:categories IS NULL OR category IN (SELECT value FROM json_each(:categories))) ORDER BY seq DESC LIMIT :limit`);
  const unrouted = ctx.prepare<[]>("SELECT * FROM notifications WHERE phase = 'routing' ORDER BY seq");
  const advance = ctx.prepare<[string | null, number, number, number]>(`UPDATE notifications SET route_cursor = ?, recipients = recipients + ?,
    phase = CASE WHEN ? AND phase = 'routing' THEN 'routed' ELSE phase END WHERE seq = ?`);
  const setPhase = ctx.prepare<[string, number]>('UPDATE notifications SET phase = ? WHERE seq = ?');
  const insertRecipient = ctx.prepare<Row>(`INSERT INTO notify_recipients (notification_seq, subscriber_id, state, reason, plan, created_at, updated_at)
    VALUES (:seq, :subscriber, :state, :reason, :plan, :created, :updated) ON CONFLICT DO NOTHING`);

  const addRecipients = ctx.sqlite.transaction((seq: number, recipients: readonly RecipientRecord[], cursor: string | undefined, done: boolean): number => {
    let added = 0;
    for (const r of recipients) {
      added += insertRecipient.run({ seq, subscriber: r.subscriberId, state: r.state, reason: r.reason ?? null, plan: JSON.stringify(r.plan), created: r.createdAt, updated: r.updatedAt }).changes;
    }
    advance.run(cursor ?? null, added, done ? 1 : 0, seq);
    return added;
  });

  return {
    async createNotification(n, idempotentSince) {
      return ctx.write(() => {
        if (n.idempotencyKey) {
          const row = seen.get(n.actor, n.idempotencyKey, idempotentSince);
          if (row) return { record: notificationOf(row), created: false };
        }
        const row = insert.get({
          id: n.id, template: n.template, category: n.category, priority: n.priority, strategy: n.strategy,
          channels: n.channels ? JSON.stringify(n.channels) : null, data: JSON.stringify(n.data), audience: JSON.stringify(n.to),
          send_at: n.sendAt ?? null, expires_at: n.expiresAt ?? null, idempotency_key: n.idempotencyKey ?? null, actor: n.actor, created_at: n.createdAt,
        })!;
        return { record: notificationOf(row), created: true };
      });
    },
    async getNotification(id) {
      const row = byId.get(id);
      return row ? notificationOf(row) : undefined;
    },
    async getNotificationBySeq(seq) {
      const row = bySeq.get(seq);
      return row ? notificationOf(row) : undefined;
    },
    async listNotifications(query) {
      return list.all({
        before: query.before ?? Number.MAX_SAFE_INTEGER, limit: query.limit,
        categories: query.categories ? JSON.stringify(query.categories) : null,
      }).map(notificationOf);
    },
    async unroutedNotifications() {
      return unrouted.all().map(notificationOf);
    },
    async addRecipients(seq, recipients, cursor, done) {
      return ctx.write(() => addRecipients.immediate(seq, recipients, cursor, done));
    },
    async setPhase(seq, phase) {
      ctx.write(() => setPhase.run(phase, seq));
    },
  };
}
