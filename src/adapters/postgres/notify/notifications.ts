import type { NotifyStore, RecipientRecord } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { notificationOf, optionalTime, time, type NotificationRow } from './schema.js';

const COLUMNS = 'id, template, category, priority, strategy, channels, data, audience, send_at, expires_at, idempotency_key, actor, created_at, phase';
const VALUES = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bigint, $11, $12, $13::bigint, 'routing'";

const INSERT_SQL = `INSERT INTO notifications (${COLUMNS}) VALUES (${VALUES}) RETURNING *, true AS created`;

/**
 * An idempotency key is free or taken per (actor, key) and time window, which no unique index can
 * say (an expired key may be used again, so several rows may carry it). Check and insert therefore
 * run under a transaction-level advisory lock on the (schema, actor, key): a second request with
 * the key, on any node, waits for the first to commit, and its check, a statement that starts
 * after the wait and so sees that commit, finds the row. Unrelated keys sharing a lock by a hash
 * collision only wait on each other.
 */
const LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtextextended('herald:notify:idempotency:' || coalesce(current_schema(), '') || ':' || $1, 0))`;
const INSERT_UNLESS_SEEN_SQL = `
  WITH seen AS (
    SELECT * FROM notifications WHERE actor = $12 AND idempotency_key = $11 AND created_at >= $14 ORDER BY seq DESC LIMIT 1
  ), inserted AS (
    INSERT INTO notifications (${COLUMNS}) SELECT ${VALUES} WHERE NOT EXISTS (SELECT 1 FROM seen) RETURNING *
  )
  SELECT *, false AS created FROM seen UNION ALL SELECT *, true AS created FROM inserted`;

/**
 * A page of recipients and the notification's progress in one statement, so they commit together:
 * the count grows by the rows this statement inserted (an existing row is kept and not counted,
 * also when another node inserted it a moment before). Rows go in subscriber order, so two nodes
 * routing the same page lock its rows in the same order. `done` turns only a routing notification
 * into routed: the CASE is evaluated on the row as it is when the update gets its lock, so a
 * cancel committed meanwhile stays.
 */
const ADD_RECIPIENTS_SQL = `
  WITH added AS (
    INSERT INTO notify_recipients (notification_seq, subscriber_id, state, reason, plan, created_at, updated_at)
    SELECT $1::bigint, t.subscriber_id, t.state, t.reason, t.plan, t.created_at, t.updated_at
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[]) AS t(subscriber_id, state, reason, plan, created_at, updated_at)
    ORDER BY t.subscriber_id COLLATE "C"
    ON CONFLICT DO NOTHING
    RETURNING 1
  ), advanced AS (
    UPDATE notifications SET route_cursor = $8, recipients = recipients + (SELECT count(*) FROM added),
      phase = CASE WHEN $9::boolean AND phase = 'routing' THEN 'routed' ELSE phase END
    WHERE seq = $1
  )
  SELECT count(*)::integer AS added FROM added`;

/** Accepting a notification (once per idempotency key) and routing it to its recipients page by page. */
export function prepareNotifications(ctx: NotifyContext): Pick<NotifyStore,
  'createNotification' | 'getNotification' | 'getNotificationBySeq' | 'listNotifications' | 'unroutedNotifications' | 'addRecipients' | 'setPhase'> {
  type Created = NotificationRow & { created: boolean };
  return {
    async createNotification(n, idempotentSince) {
      const values: unknown[] = [
        n.id, n.template, n.category, n.priority, n.strategy, n.channels ? JSON.stringify(n.channels) : null, JSON.stringify(n.data),
        JSON.stringify(n.to), n.sendAt ?? null, optionalTime(n.expiresAt), n.idempotencyKey ?? null, n.actor, time(n.createdAt),
      ];
      let row: Created;
      if (!n.idempotencyKey) {
        row = (await ctx.query<Created>('create', INSERT_SQL, values)).rows[0];
      } else {
        const key = n.idempotencyKey;
        row = await ctx.transaction(async (client) => {
          await client.query({ name: 'herald_notify_idempotency_lock', text: LOCK_SQL, values: [JSON.stringify([n.actor, key])] });
          const result = await client.query<Created>({ name: 'herald_notify_create_keyed', text: INSERT_UNLESS_SEEN_SQL, values: [...values, time(idempotentSince)] });
          return result.rows[0];
        });
      }
      return { record: notificationOf(row), created: row.created };
    },
    async getNotification(id) {
      const { rows } = await ctx.query<NotificationRow>('by_id', 'SELECT * FROM notifications WHERE id = $1', [id]);
      return rows[0] ? notificationOf(rows[0]) : undefined;
    },
    async getNotificationBySeq(seq) {
      if (!Number.isSafeInteger(seq)) return undefined;
      const { rows } = await ctx.query<NotificationRow>('by_seq', 'SELECT * FROM notifications WHERE seq = $1', [seq]);
      return rows[0] ? notificationOf(rows[0]) : undefined;
    },
    async listNotifications(query) {
      const { rows } = await ctx.query<NotificationRow>('list', `SELECT * FROM notifications WHERE seq < $1
        AND ($2::text[] IS NULL OR category = ANY($2::text[])) ORDER BY seq DESC LIMIT $3`,
      [query.before ?? Number.MAX_SAFE_INTEGER, query.categories ? [...query.categories] : null, query.limit]);
      return rows.map(notificationOf);
    },
    async unroutedNotifications() {
      const { rows } = await ctx.query<NotificationRow>('unrouted', "SELECT * FROM notifications WHERE phase = 'routing' ORDER BY seq", []);
      return rows.map(notificationOf);
    },
    async addRecipients(seq, recipients, cursor, done) {
      // A subscriber listed twice in one page: the first row is the one that goes in, as when
      // the rows are inserted one by one.
      const first = new Map<string, RecipientRecord>();
      for (const r of recipients) if (!first.has(r.subscriberId)) first.set(r.subscriberId, r);
      const rows = [...first.values()];
      const { rows: [result] } = await ctx.query<{ added: number }>('add_recipients', ADD_RECIPIENTS_SQL, [
        seq, rows.map((r) => r.subscriberId), rows.map((r) => r.state), rows.map((r) => r.reason ?? null), rows.map((r) => JSON.stringify(r.plan)),
        rows.map((r) => time(r.createdAt)), rows.map((r) => time(r.updatedAt)), cursor ?? null, done,
      ]);
      return result.added;
    },
    async setPhase(seq, phase) {
      await ctx.query('set_phase', 'UPDATE notifications SET phase = $1 WHERE seq = $2', [phase, seq]);
    },
  };
}
