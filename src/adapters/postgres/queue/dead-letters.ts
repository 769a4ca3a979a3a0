import type { Pool } from 'pg';
import type { DeadJob, DeadLetterQuery, ReplayTarget } from '../../../ports/queue.js';
import { clampTime, deadJob, jobIds, positiveLimit, type DeadRow } from './schema.js';

export interface DeadLetters {
  list(query: DeadLetterQuery): Promise<DeadJob<unknown>[]>;
  replay(target: ReplayTarget, now: number): Promise<number>;
}

const LIST_COLUMNS = 'id, partition, lane, payload, attempts, max_attempts, dedup_key, reason, dead_at';

// One statement per filter shape, so each reads its own index in order instead of filtering.
const LIST_ALL_SQL = `SELECT ${LIST_COLUMNS} FROM queue_dead WHERE dead_at < $1 ORDER BY dead_at DESC, id DESC LIMIT $2`;
const LIST_PARTITION_SQL = `SELECT ${LIST_COLUMNS} FROM queue_dead WHERE partition = $3 AND dead_at < $1 ORDER BY dead_at DESC, id DESC LIMIT $2`;

/**
 * Picks dead jobs and moves them back in one statement. A dead job whose dedup key is live again
 * conflicts on insert and stays where it is. The picked rows are locked, so two replays never
 * both revive a job: by ids, the second waits and then finds the row gone; by filter, it skips the
 * locked rows and takes the next oldest. Of two dead jobs with one key the older comes back; rows go
 * in sorted by key, the order enqueue inserts in, so a replay and an enqueue never deadlock.
 */
const replaySql = (pick: string): string => `
  WITH picked AS (${pick}),
  revived AS (
    INSERT INTO queue_jobs (id, partition, lane, payload, run_at, visible_at, attempts, max_attempts, dedup_key, token, last_error, created_at)
    SELECT id, partition, lane, payload, $1, $1, 0, max_attempts, dedup_key, NULL, NULL, created_at
    FROM picked ORDER BY dedup_key, dead_at, id
    ON CONFLICT DO NOTHING
    RETURNING id
  ),
  removed AS (DELETE FROM queue_dead WHERE id = ANY(ARRAY(SELECT id FROM revived)))
  SELECT count(*)::integer AS replayed FROM revived`;

const REPLAY_IDS_SQL = replaySql('SELECT * FROM queue_dead WHERE id = ANY($2::bigint[]) FOR UPDATE');
const REPLAY_OLDEST_SQL = replaySql('SELECT * FROM queue_dead ORDER BY dead_at, id LIMIT $2 FOR UPDATE SKIP LOCKED');
const REPLAY_OLDEST_PARTITION_SQL = replaySql('SELECT * FROM queue_dead WHERE partition = $3 ORDER BY dead_at, id LIMIT $2 FOR UPDATE SKIP LOCKED');

export function prepareDeadLetters(pool: Pool): DeadLetters {
  return {
    async list(query) {
      const limit = positiveLimit(query.limit, 'deadLetters');
      const before = query.before === undefined ? Number.MAX_SAFE_INTEGER : clampTime(query.before);
      const result = query.partition === undefined
        ? await pool.query<DeadRow>({ name: 'herald_queue_dead_list', text: LIST_ALL_SQL, values: [before, limit] })
        : await pool.query<DeadRow>({ name: 'herald_queue_dead_list_partition', text: LIST_PARTITION_SQL, values: [before, limit, query.partition] });
      return result.rows.map(deadJob);
    },
    async replay(target, now) {
      let result;
      if (Array.isArray(target)) {
        const ids = jobIds(target as readonly string[]);
        if (ids.length === 0) return 0;
        result = await pool.query<{ replayed: number }>({ name: 'herald_queue_replay_ids', text: REPLAY_IDS_SQL, values: [now, ids] });
      } else {
        const { partition, limit } = target as { partition?: string; limit: number };
        positiveLimit(limit, 'replay');
        result = partition === undefined
          ? await pool.query<{ replayed: number }>({ name: 'herald_queue_replay_oldest', text: REPLAY_OLDEST_SQL, values: [now, limit] })
          : await pool.query<{ replayed: number }>({ name: 'herald_queue_replay_oldest_partition', text: REPLAY_OLDEST_PARTITION_SQL, values: [now, limit, partition] });
      }
      return result.rows[0]?.replayed ?? 0;
    },
  };
}
