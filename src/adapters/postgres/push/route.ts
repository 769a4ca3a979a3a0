import type { NewDelivery, PushStore } from '../../../ports/push-store.js';
import type { CommitMode } from './commit-mode.js';
import type { PushSql } from './context.js';
import { countsCte } from './counts.js';
import { DELIVERY_COLUMNS, deliveryFromRow, pgText, time, validSeq, type DeliveryRow } from './schema.js';

/**
 * One routing page as ONE statement. `gate` locks the push row only if the routed cursor is still
 * at `from` and routing is not over; a second router of the same push waits on that lock, and
 * once the first commits PostgreSQL re-checks the condition on the new row version, which then
 * fails: the second gets no gate row and writes nothing. The page's rows (eight arrays, one bind
 * per column) go in only through the gate, in target order, keeping rows that exist; the push's
 * cursor, target count and phase move by what was really inserted. The push row is locked before
 * any delivery, as cancel locks it, so the two queue up rather than deadlock.
 */
const addSql = (commit: CommitMode): string => `
  WITH ${commit.cte} gate AS (
    SELECT seq FROM pushes
    WHERE seq = $1 AND routed_cursor IS NOT DISTINCT FROM $2::text AND phase IN ('accepted', 'routing')
    FOR UPDATE
  ), inserted AS (
    INSERT INTO deliveries (push_seq, target, device_id, provider, app, token, p256dh, auth, target_kind, state, attempts, created_at, updated_at)
    SELECT g.seq, t.target, t.device_id, t.provider, t.app, t.token, t.p256dh, t.auth, t.target_kind, 'queued', 0, $5, $5
    FROM gate g, unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
      AS t(target, device_id, provider, app, token, p256dh, auth, target_kind)
    ORDER BY t.target
    ON CONFLICT (push_seq, target) DO NOTHING
    RETURNING target, provider
  ), ${countsCte('counted', `SELECT $1::bigint AS push_seq, provider, 'queued' AS state, 1 AS n FROM inserted`)},
  moved AS (
    UPDATE pushes SET routed_cursor = $3, targets = targets + (SELECT count(*) FROM inserted)::integer,
      phase = CASE WHEN $4::boolean THEN 'routed' ELSE 'routing' END
    WHERE seq = (SELECT seq FROM gate)
    RETURNING seq
  )
  SELECT (SELECT count(*) FROM counted) AS counted, (SELECT count(*) FROM moved)::integer AS moved, ARRAY(SELECT target FROM inserted) AS added,
    ${commit.column} AS commit_mode`;

const setEnqueuedSql = (commit: CommitMode): string => `WITH ${commit.cte} moved AS (UPDATE pushes SET enqueued_cursor = $2 WHERE seq = $1 RETURNING 1)
  SELECT (SELECT count(*) FROM moved) AS updated, ${commit.column} AS commit_mode`;
const QUEUED_SQL = `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE push_seq = $1 AND state = 'queued' AND target > $2 ORDER BY target LIMIT $3`;

/**
 * Routing a push: each page of its audience becomes delivery rows behind a compare-and-set cursor,
 * and the rows still queued are read back page by page to become queue jobs.
 */
export function prepareRoute(sql: PushSql): Pick<PushStore, 'addDeliveries' | 'setEnqueuedCursor' | 'queued'> {
  const { commit } = sql;
  const add = { name: `add_deliveries${commit.suffix}`, text: addSql(commit) };
  const setEnqueued = { name: `set_enqueued${commit.suffix}`, text: setEnqueuedSql(commit) };
  return {
    async addDeliveries(seq, from, to, rows, done, now) {
      if (!validSeq(seq)) return false;
      // A target twice in one page: the first row is the one that counts, as if inserted in turn.
      const page = new Map<string, NewDelivery>();
      for (const r of rows) if (!page.has(r.target)) page.set(r.target, r);
      const list = [...page.values()];
      const { rows: [result] } = await sql.query<{ moved: number; added: string[] }>(add.name, add.text, [
        seq, from, to, done, time(now),
        list.map((r) => r.target), list.map((r) => r.deviceId), list.map((r) => r.provider), list.map((r) => r.app),
        list.map((r) => pgText(r.token)), list.map((r) => pgText(r.p256dh)), list.map((r) => pgText(r.auth)), list.map((r) => r.kind ?? null),
      ]);
      if (result!.moved === 0) return false;
      // RETURNING promises no order: the port answers in the order of the page.
      const added = new Set(result!.added);
      return list.filter((r) => added.has(r.target)).map((r) => r.target);
    },
    async setEnqueuedCursor(seq, cursor) {
      if (validSeq(seq)) await sql.query(setEnqueued.name, setEnqueued.text, [seq, cursor]);
    },
    async queued(seq, after, limit) {
      if (!validSeq(seq)) return [];
      const { rows } = await sql.query<DeliveryRow>('queued', QUEUED_SQL, [seq, after ?? '', limit]);
      return rows.map(deliveryFromRow);
    },
  };
}
