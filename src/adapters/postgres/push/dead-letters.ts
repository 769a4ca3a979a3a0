import type { DeadDelivery, PushStore } from '../../../ports/push-store.js';
import type { PushSql } from './context.js';
import { countsCte } from './counts.js';
import { DELIVERY_COLUMNS, deliveryFromRow, hasNul, MINUTE, time, validSeq, type DeliveryRow } from './schema.js';

const D_COLUMNS = DELIVERY_COLUMNS.split(', ').map((c) => `d.${c}`).join(', ');

// Newest first along push_dead's time index, backwards from the cursor; the filters read along.
// push_dead holds exactly the dead deliveries (see migrations.ts), so each row found is one.
const PAGE_SQL = `
  SELECT ${D_COLUMNS}, p.id AS push_id
  FROM push_dead x JOIN deliveries d ON d.push_seq = x.push_seq AND d.target = x.target JOIN pushes p ON p.seq = x.push_seq
  WHERE ($1::text IS NULL OR x.provider = $1) AND ($2::text IS NULL OR x.app = $2)
    AND (x.updated_at, x.push_seq, x.target) < ($3::bigint, $4::bigint, $5::text)
  ORDER BY x.updated_at DESC, x.push_seq DESC, x.target DESC
  LIMIT $6`;
const NAMED_SQL = `
  SELECT ${D_COLUMNS} FROM deliveries d JOIN unnest($1::bigint[], $2::text[]) AS k(push_seq, target) ON k.push_seq = d.push_seq AND k.target = d.target
  WHERE d.push_seq = ANY($1::bigint[]) AND d.target = ANY($2::text[]) AND d.state = 'dead'`;
const OLDEST_SQL = `
  SELECT ${D_COLUMNS} FROM push_dead x JOIN deliveries d ON d.push_seq = x.push_seq AND d.target = x.target
  WHERE ($1::text IS NULL OR x.provider = $1) AND ($2::text IS NULL OR x.app = $2)
  ORDER BY x.updated_at, x.push_seq, x.target
  LIMIT $3`;

/**
 * Reviving is ONE statement. The named dead deliveries are locked in key order (a second revive
 * of the same ones waits, then finds them queued and revives none); each goes back to 'queued'
 * with its attempts reset, the counts follow, and the minute each died in stops counting it as
 * dead: it ends where its replay ends. Those stats rows are locked in key order before they are
 * lowered, after the delivery and count rows, as every writer of the ledger takes them.
 */
const REVIVE_SQL = `
  WITH keys AS (
    SELECT * FROM unnest($1::bigint[], $2::text[]) AS k(push_seq, target)
  ), locked AS (
    SELECT d.push_seq, d.target, d.provider, d.app, d.updated_at FROM deliveries d JOIN keys k ON k.push_seq = d.push_seq AND k.target = d.target
    WHERE d.push_seq = ANY($1::bigint[]) AND d.target = ANY($2::text[]) AND d.state = 'dead'
    ORDER BY d.push_seq, d.target
    FOR UPDATE OF d
  ), revived AS (
    UPDATE deliveries d SET state = 'queued', attempts = 0, claim = NULL, next_at = NULL, updated_at = $3
    FROM locked l
    WHERE d.push_seq = ANY($1::bigint[]) AND d.target = ANY($2::text[]) AND d.push_seq = l.push_seq AND d.target = l.target
    RETURNING l.push_seq, l.provider, l.app, l.updated_at
  ), ${countsCte('counted', `SELECT push_seq, provider, 'dead' AS state, -1 AS n FROM revived
      UNION ALL SELECT push_seq, provider, 'queued', 1 FROM revived`)},
  died AS (
    SELECT updated_at / ${MINUTE} AS minute, app, provider, count(*)::integer AS n FROM revived GROUP BY 1, 2, 3
  ), stat_rows AS (
    SELECT s.minute, s.app, s.provider FROM push_stats s JOIN died x ON s.minute = x.minute AND s.app = x.app AND s.provider = x.provider
    WHERE s.state = 'dead'
    ORDER BY s.minute, s.app, s.provider
    FOR UPDATE OF s
  ), unended AS (
    UPDATE push_stats s SET count = greatest(s.count - x.n, 0)
    FROM stat_rows r JOIN died x ON x.minute = r.minute AND x.app = r.app AND x.provider = r.provider
    WHERE s.minute = r.minute AND s.app = r.app AND s.provider = r.provider AND s.state = 'dead'
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM revived)::integer AS n, (SELECT count(*) FROM counted) AS counted, (SELECT count(*) FROM unended) AS unended`;

/** Keys the statements can take: a seq that is no bigint, or a target PostgreSQL text cannot hold, names no delivery. */
function usableKeys(keys: readonly { pushSeq: number; target: string }[]): { seqs: number[]; targets: string[] } {
  const seqs: number[] = [];
  const targets: string[] = [];
  for (const k of keys) {
    if (!validSeq(k.pushSeq) || k.target.includes('\u0000')) continue;
    seqs.push(k.pushSeq);
    targets.push(k.target);
  }
  return { seqs, targets };
}

/** Deliveries that ended 'dead': listing them newest first, and reviving them for a replay. */
export function prepareDeadLetters(sql: PushSql): Pick<PushStore, 'deadDeliveries' | 'findDead' | 'revive'> {
  return {
    async deadDeliveries(query) {
      // No delivery's provider or app holds a U+0000, and PostgreSQL would refuse the statement.
      if (hasNul(query.provider ?? '', query.app ?? '')) return { deliveries: [] };
      const cursor = parseDeadCursor(query.cursor);
      const { rows } = await sql.query<DeliveryRow & { push_id: string }>('dead_page', PAGE_SQL, [
        query.provider ?? null, query.app ?? null, cursor.at, cursor.seq, cursor.target, query.limit + 1,
      ]);
      const shown = rows.slice(0, query.limit);
      const last = shown[shown.length - 1];
      const deliveries: DeadDelivery[] = shown.map((r) => ({ ...deliveryFromRow(r), pushId: r.push_id }));
      return rows.length > query.limit && last ? { deliveries, nextCursor: `${last.updated_at}.${last.push_seq}.${last.target}` } : { deliveries };
    },
    async findDead(target) {
      if ('keys' in target) {
        const { seqs, targets } = usableKeys(target.keys);
        if (seqs.length === 0) return [];
        const { rows } = await sql.query<DeliveryRow>('dead_named', NAMED_SQL, [seqs, targets]);
        return rows.map(deliveryFromRow);
      }
      if (hasNul(target.provider ?? '', target.app ?? '')) return [];
      const { rows } = await sql.query<DeliveryRow>('dead_oldest', OLDEST_SQL, [target.provider ?? null, target.app ?? null, target.limit]);
      return rows.map(deliveryFromRow);
    },
    async revive(keys, now) {
      const { seqs, targets } = usableKeys(keys);
      if (seqs.length === 0) return 0;
      const { rows: [row] } = await sql.query<{ n: number }>('revive', REVIVE_SQL, [seqs, targets, time(now)]);
      return row!.n;
    },
  };
}

/** Dead-letter cursors are `<updated_at>.<push_seq>.<target>`; anything else starts at the newest. */
function parseDeadCursor(cursor: string | undefined): { at: number; seq: number; target: string } {
  const m = cursor === undefined ? null : /^(\d{1,16})\.(\d{1,16})\.([^\u0000]{1,80})$/.exec(cursor);
  return m ? { at: Number(m[1]), seq: Number(m[2]), target: m[3]! } : { at: Number.MAX_SAFE_INTEGER, seq: Number.MAX_SAFE_INTEGER, target: '' };
}
