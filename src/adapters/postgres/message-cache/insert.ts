import type { Pool } from 'pg';
import type { StoredMessageRow } from './schema.js';

/** The columns a batch sends, one array each, with their element types. */
const COLUMNS = [
  ['mid', 'text'], ['time', 'bigint'], ['expires', 'bigint'], ['topic', 'text'], ['message', 'text'], ['title', 'text'],
  ['priority', 'smallint'], ['tags', 'text'], ['click', 'text'], ['icon', 'text'], ['actions', 'text'],
  ['attachment_name', 'text'], ['attachment_type', 'text'], ['attachment_size', 'bigint'], ['attachment_expires', 'bigint'],
  ['attachment_url', 'text'], ['content_type', 'text'], ['encoding', 'text'], ['sender', 'text'], ['user', 'text'],
  ['published', 'smallint'], ['nul_escaped', 'boolean'], ['event', 'text'], ['sequence_id', 'text'],
] as const satisfies readonly (readonly [keyof StoredMessageRow, string])[];

const quoted = COLUMNS.map(([name]) => `"${name}"`);

/**
 * A whole batch in one autocommitted statement, so one round trip and one commit: the rows travel
 * as one array per column (24 binds however many messages) and come out of UNNEST in input order,
 * so their seqs follow the order they were added.
 *
 * The statement first takes a transaction-scoped advisory lock, held until its commit, so the
 * nodes' inserts run one after another: seqs are then handed out in commit order cluster-wide, and
 * a reader that saw seq n has seen every seq below it. Without it, node A could take seqs 10-19
 * and commit after node B's 20, and a subscriber who read 20 and asks `since=<20>` would never see
 * A's ten messages. Every row reaches the INSERT, which draws its seq, through the join with the
 * lock's one-row CTE, so the lock is held before the first seq is drawn (EXPLAIN shows the CTE as
 * the inner side of the join, and no sort: unnest's ordinality is already in order). Its cost is
 * one insert's time of waiting per concurrent batch from another node, not per message.
 */
const INSERT_SQL = `
  WITH in_commit_order AS MATERIALIZED (
    SELECT pg_advisory_xact_lock(hashtextextended('herald:messages:' || coalesce(current_schema(), ''), 0))
  )
  INSERT INTO messages (${quoted.join(', ')}, "attachment_deleted")
  SELECT ${quoted.map((c) => `t.${c}`).join(', ')}, 0
  FROM in_commit_order, unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
    WITH ORDINALITY AS t(${quoted.join(', ')}, ord)
  ORDER BY t.ord`;

/** Writes one batch of rows; resolves after its commit. */
export function prepareInsert(pool: Pool): (rows: readonly StoredMessageRow[]) => Promise<void> {
  return async (rows) => {
    if (rows.length === 0) return;
    const values = COLUMNS.map(([name]) => rows.map((row) => row[name]));
    await pool.query({ name: 'herald_cache_insert', text: INSERT_SQL, values });
  };
}
