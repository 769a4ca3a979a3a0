import type { Pool } from 'pg';
import type { CancelFilter, PartitionInfo, PartitionStats } from '../../../ports/queue.js';
import { jobIds } from './schema.js';

/**
 * Distinct partitions by a loose index scan (one index seek per partition, recursively), then each
 * lane's smallest visible_at, again one seek each: the cost grows with the number of partitions,
 * not of jobs.
 */
const PARTITIONS_SQL = `
  WITH RECURSIVE names(partition) AS (
    (SELECT partition FROM queue_jobs ORDER BY partition LIMIT 1)
    UNION ALL
    SELECT (SELECT q.partition FROM queue_jobs q WHERE q.partition > n.partition ORDER BY q.partition LIMIT 1)
    FROM names n WHERE n.partition IS NOT NULL
  )
  SELECT partition, LEAST(
    (SELECT min(visible_at) FROM queue_jobs j WHERE j.partition = names.partition AND j.lane = 0),
    (SELECT min(visible_at) FROM queue_jobs j WHERE j.partition = names.partition AND j.lane = 1),
    (SELECT min(visible_at) FROM queue_jobs j WHERE j.partition = names.partition AND j.lane = 2)
  ) AS next_at
  FROM names WHERE partition IS NOT NULL ORDER BY partition`;

/** A row is held while it has a token and its reservation has not run out. */
const STATS_SQL = `
  WITH live AS (
    SELECT partition,
      count(*) FILTER (WHERE token IS NULL OR visible_at <= $1)::integer AS waiting,
      count(*) FILTER (WHERE (token IS NULL OR visible_at <= $1) AND run_at <= $1)::integer AS ready,
      count(*) FILTER (WHERE token IS NOT NULL AND visible_at > $1)::integer AS reserved,
      min(run_at) FILTER (WHERE token IS NULL OR visible_at <= $1) AS oldest
    FROM queue_jobs GROUP BY partition
  ), dead AS (
    SELECT partition, count(*)::integer AS dead FROM queue_dead GROUP BY partition
  )
  SELECT partition, coalesce(waiting, 0) AS waiting, coalesce(ready, 0) AS ready, coalesce(reserved, 0) AS reserved,
    coalesce(dead, 0) AS dead, oldest
  FROM live FULL JOIN dead USING (partition)
  ORDER BY partition`;

const NOT_HELD = '(token IS NULL OR visible_at <= $2)';
const CANCEL_IDS_SQL = `DELETE FROM queue_jobs WHERE id = ANY($1::bigint[]) AND ${NOT_HELD}`;
/**
 * A prefix is a range of the byte-ordered dedup index: from the prefix up to (not including) its
 * successor. The range is spelled out rather than left to LIKE, because a prepared statement's
 * generic plan cannot turn a LIKE parameter into an index range. starts_with keeps it exact.
 */
const CANCEL_PREFIX_SQL = `DELETE FROM queue_jobs WHERE dedup_key >= $1 AND dedup_key < $3 AND starts_with(dedup_key, $1) AND ${NOT_HELD}`;
const CANCEL_PREFIX_OPEN_SQL = `DELETE FROM queue_jobs WHERE dedup_key >= $1 AND starts_with(dedup_key, $1) AND ${NOT_HELD}`;

export interface Inspect {
  partitions(): Promise<PartitionInfo[]>;
  stats(now: number): Promise<PartitionStats[]>;
  cancel(filter: CancelFilter, now: number): Promise<number>;
}

export function prepareInspect(pool: Pool): Inspect {
  return {
    async partitions() {
      const result = await pool.query<{ partition: string; next_at: string }>({ name: 'herald_queue_partitions', text: PARTITIONS_SQL });
      return result.rows.map((row) => ({ partition: row.partition, nextAt: Number(row.next_at) }));
    },
    async stats(now) {
      const result = await pool.query<Omit<PartitionStats, 'oldestWaitingRunAt'> & { oldest: string | null }>({ name: 'herald_queue_stats', text: STATS_SQL, values: [now] });
      return result.rows.map(({ oldest, ...counts }) => ({ ...counts, oldestWaitingRunAt: oldest === null ? null : Number(oldest) }));
    },
    async cancel(filter, now) {
      if ('ids' in filter) {
        const ids = jobIds(filter.ids);
        if (ids.length === 0) return 0;
        return (await pool.query({ name: 'herald_queue_cancel_ids', text: CANCEL_IDS_SQL, values: [ids, now] })).rowCount ?? 0;
      }
      // An empty prefix would match every keyed job: far more likely a bug than a wish.
      if (typeof filter.dedupKeyPrefix !== 'string' || filter.dedupKeyPrefix === '') {
        throw new RangeError('cancel: dedupKeyPrefix must be a non-empty string');
      }
      const prefix = filter.dedupKeyPrefix;
      const end = prefixSuccessor(prefix);
      const result = end === undefined
        ? await pool.query({ name: 'herald_queue_cancel_prefix_open', text: CANCEL_PREFIX_OPEN_SQL, values: [prefix, now] })
        : await pool.query({ name: 'herald_queue_cancel_prefix', text: CANCEL_PREFIX_SQL, values: [prefix, now, end] });
      return result.rowCount ?? 0;
    },
  };
}

/**
 * The smallest string above every string that starts with `prefix`, in byte order of UTF-8 (which
 * is code point order): the prefix with its last code point raised by one, dropping trailing
 * U+10FFFF. Surrogates are skipped, as no UTF-8 string holds them. Undefined when there is none.
 */
export function prefixSuccessor(prefix: string): string | undefined {
  const points = [...prefix].map((c) => c.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = (points.pop() ?? 0) + 1;
    if (last > 0x10ffff) continue;
    points.push(last >= 0xd800 && last <= 0xdfff ? 0xe000 : last);
    return String.fromCodePoint(...points);
  }
  return undefined;
}
