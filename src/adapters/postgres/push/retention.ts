import type { PushAudience, PushStore } from '../../../ports/push-store.js';
import type { PushSql } from './context.js';
import { pruneStats } from './stats.js';
import { minuteOf, time } from './schema.js';
import { audienceWithout } from '../../sql/push/erase-audience.js';

/** Deliveries deleted per statement, so retention never holds many locks or a long transaction. */
const PRUNE_BATCH = 5000;
/** Old pushes looked at per round. */
const PRUNE_PUSHES = 100;

// Pushes past the limit, oldest first, paged along (created_at, seq): a push another node is
// still deleting is passed by rather than found again and again.
const OLD_PUSHES_SQL = `
  SELECT seq, created_at FROM pushes
  WHERE created_at < $1 AND coalesce(send_at, 0) < $1 AND (created_at, seq) > ($2::bigint, $3::bigint)
  ORDER BY created_at, seq
  LIMIT $4`;
// One slice of a push's deliveries. SKIP LOCKED: two nodes pruning the same push delete different
// slices, and a delivery a writer holds this moment is left for the next slice or run.
const DELETE_SLICE_SQL = `
  DELETE FROM deliveries WHERE push_seq = $1 AND target = ANY(ARRAY(
    SELECT target FROM deliveries WHERE push_seq = $1 ORDER BY target LIMIT $2 FOR UPDATE SKIP LOCKED))`;
// The push row goes once its deliveries are gone, with its counts; of two nodes, one deletes it.
const DELETE_PUSH_SQL = `
  WITH gone AS (
    DELETE FROM pushes WHERE seq = $1 AND NOT EXISTS (SELECT 1 FROM deliveries WHERE push_seq = $1) RETURNING seq
  ), counts AS (
    DELETE FROM push_counts WHERE push_seq IN (SELECT seq FROM gone)
  )
  SELECT count(*)::integer AS n FROM gone`;

// Erasure: candidates by the user's JSON string in the audience text (JS then decides exactly),
// locked in seq order so a concurrent erasure of another user of the same push waits and then
// rewrites the audience this one left.
const NAMING_SQL = 'SELECT seq, audience FROM pushes WHERE strpos(audience, $1) > 0 ORDER BY seq FOR UPDATE';
const SET_AUDIENCES_SQL = 'UPDATE pushes p SET audience = u.audience FROM unnest($1::bigint[], $2::text[]) AS u(seq, audience) WHERE p.seq = u.seq';
// Deliveries are locked in key order, the order every other writer locks them in.
const ERASE_PUSHES_SQL = `
  WITH doomed AS (
    SELECT push_seq, target FROM deliveries WHERE push_seq = ANY($1::bigint[]) ORDER BY push_seq, target FOR UPDATE
  ), deliveries_gone AS (
    DELETE FROM deliveries d USING doomed x WHERE d.push_seq = ANY($1::bigint[]) AND d.push_seq = x.push_seq AND d.target = x.target RETURNING 1
  ), counts_gone AS (
    DELETE FROM push_counts WHERE push_seq = ANY($1::bigint[]) RETURNING 1
  ), pushes_gone AS (
    DELETE FROM pushes WHERE seq = ANY($1::bigint[]) RETURNING 1
  )
  SELECT (SELECT count(*) FROM deliveries_gone) AS deliveries, (SELECT count(*) FROM counts_gone) AS counts, (SELECT count(*)::integer FROM pushes_gone) AS n`;
// No index leads to a device's deliveries (it would cost every broadcast insert): this scans.
const FORGET_TOKENS_SQL = `
  WITH theirs AS (
    SELECT push_seq, target FROM deliveries WHERE device_id = ANY($1::text[]) ORDER BY push_seq, target FOR UPDATE
  )
  UPDATE deliveries d SET token = '', p256dh = NULL, auth = NULL, device_id = NULL
  FROM theirs t WHERE d.push_seq = t.push_seq AND d.target = t.target`;

/** Forgetting: pushes and stats past retention, and a user's personal data on erasure. */
export function prepareRetention(sql: PushSql): Pick<PushStore, 'prune' | 'eraseUser'> {
  /** Deletes one push with all it holds; true when this call deleted the push row. */
  const removePush = async (seq: number): Promise<boolean> => {
    for (;;) {
      const { rowCount } = await sql.query('prune_slice', DELETE_SLICE_SQL, [seq, PRUNE_BATCH]);
      if (rowCount < PRUNE_BATCH) break;
    }
    const { rows: [row] } = await sql.query<{ n: number }>('prune_push', DELETE_PUSH_SQL, [seq]);
    return row!.n > 0;
  };

  return {
    async prune(before) {
      const limit = time(before);
      let pushes = 0;
      let after = { at: Number.MIN_SAFE_INTEGER, seq: 0 };
      for (;;) {
        const { rows } = await sql.query<{ seq: string; created_at: string }>('prune_old', OLD_PUSHES_SQL, [limit, after.at, after.seq, PRUNE_PUSHES]);
        for (const row of rows) if (await removePush(Number(row.seq))) pushes++;
        const last = rows[rows.length - 1];
        if (!last || rows.length < PRUNE_PUSHES) break;
        after = { at: Number(last.created_at), seq: Number(last.seq) };
      }
      await pruneStats(sql, minuteOf(before));
      return pushes;
    },
    async eraseUser(user, deviceIds) {
      const devices = deviceIds.filter((id) => !id.includes('\u0000'));
      return sql.transaction(async (client) => {
        // It reads every push and every delivery (see FORGET_TOKENS_SQL): on a large ledger more
        // than the statement timeout meant for stuck queries allows, and failing would erase nothing.
        await client.query('SET LOCAL statement_timeout = 0');
        const { rows } = await sql.query<{ seq: string; audience: string }>('erase_naming', NAMING_SQL, [JSON.stringify(user)], client);
        const alone: number[] = [];
        const seqs: number[] = [];
        const audiences: string[] = [];
        for (const row of rows) {
          const audience = JSON.parse(row.audience) as PushAudience;
          const left = audienceWithout(audience, user);
          if (left === audience) continue;
          if (left === 'alone') {
            alone.push(Number(row.seq));
          } else {
            seqs.push(Number(row.seq));
            audiences.push(JSON.stringify(left));
          }
        }
        let erased = 0;
        if (alone.length > 0) erased = (await sql.query<{ n: number }>('erase_pushes', ERASE_PUSHES_SQL, [alone], client)).rows[0]!.n;
        if (seqs.length > 0) await sql.query('erase_audiences', SET_AUDIENCES_SQL, [seqs, audiences], client);
        // Deliveries of broadcasts to their devices stay for the counts, without the token.
        if (devices.length > 0) await sql.query('erase_tokens', FORGET_TOKENS_SQL, [devices], client);
        return erased;
      });
    },
  };
}
