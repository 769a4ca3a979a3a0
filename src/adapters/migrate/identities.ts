import type { Pool } from 'pg';
import type { TableMap } from './tables.js';

/**
 * Moves the sequence behind a table's identity (or serial-like) column past every id now in the
 * target and past SQLite's AUTOINCREMENT high-water mark (ids of rows already deleted there, which
 * a dead letter or a client may still name), so the rows PostgreSQL numbers itself never collide
 * with copied ones. A sequence only ever moves forward: a target that already handed out higher
 * numbers keeps them.
 */
export async function advanceIdentity(pool: Pool, map: TableMap, autoincrementMark: bigint): Promise<void> {
  const identity = map.identity;
  if (!identity) return;
  const { rows: [found] } = await pool.query<{ sequence: string | null }>(
    'SELECT pg_get_serial_sequence($1, $2) AS sequence',
    [`"${map.table}"`, identity.column],
  );
  const sequence = found?.sequence;
  if (!sequence) throw new Error(`${map.table}.${identity.column} has no sequence in the target: its migrations differ from what herald migrate expects`);

  const highest = [{ table: map.table, column: identity.column }, ...(identity.alsoAbove ?? [])]
    .map((t) => `(SELECT coalesce(max("${t.column}"), 0) FROM "${t.table}")`);
  // `sequence` comes from pg_get_serial_sequence, already quoted as an identifier.
  const { rows: [state] } = await pool.query<{ needed: string; current: string }>(
    `SELECT GREATEST($1::bigint, ${highest.join(', ')}) AS needed,
       (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM ${sequence}) AS current`,
    [autoincrementMark.toString()],
  );
  if (state && BigInt(state.needed) > BigInt(state.current)) {
    await pool.query('SELECT setval($1::regclass, $2::bigint, true)', [sequence, state.needed]);
  }
}
