import type Database from 'better-sqlite3';
import type { CancelFilter, PartitionInfo, PartitionStats } from '../../../ports/queue.js';
import { rowId } from './schema.js';

/**
 * Distinct partitions by skip-scan (one index seek each), then each lane's smallest visible_at,
 * again one seek each: the cost grows with the number of partitions, not of jobs.
 */
const PARTITIONS_SQL = `
  WITH RECURSIVE names(partition) AS (
    SELECT (SELECT MIN(partition) FROM queue_jobs)
    UNION ALL
    SELECT (SELECT MIN(partition) FROM queue_jobs WHERE partition > names.partition) FROM names WHERE names.partition IS NOT NULL
  )
  SELECT partition, MIN(
    COALESCE((SELECT MIN(visible_at) FROM queue_jobs j WHERE j.partition = names.partition AND lane = 0), :never),
    COALESCE((SELECT MIN(visible_at) FROM queue_jobs j WHERE j.partition = names.partition AND lane = 1), :never),
    COALESCE((SELECT MIN(visible_at) FROM queue_jobs j WHERE j.partition = names.partition AND lane = 2), :never)
  ) AS nextAt
  FROM names WHERE partition IS NOT NULL ORDER BY partition`;

/** A row is held while it has a token and its reservation has not run out. */
const LIVE_STATS_SQL = `
  SELECT partition,
    SUM(token IS NULL OR visible_at <= :now) AS waiting,
    SUM((token IS NULL OR visible_at <= :now) AND run_at <= :now) AS ready,
    SUM(token IS NOT NULL AND visible_at > :now) AS reserved,
    MIN(CASE WHEN token IS NULL OR visible_at <= :now THEN run_at END) AS oldestWaitingRunAt
  FROM queue_jobs GROUP BY partition`;

const DEAD_STATS_SQL = 'SELECT partition, COUNT(*) AS dead FROM queue_dead GROUP BY partition';

/** GLOB is case-sensitive and uses the dedup index for a literal prefix; `*`, `?` and `[` are bracketed to stay literal. */
function globPrefix(prefix: string): string {
  return `${prefix.replace(/[*?[]/g, '[$&]')}*`;
}

export interface Inspect {
  partitions(): PartitionInfo[];
  stats(now: number): PartitionStats[];
  cancel(filter: CancelFilter, now: number): number;
}

export function prepareInspect(db: Database.Database): Inspect {
  const partitions = db.prepare<{ never: number }, PartitionInfo>(PARTITIONS_SQL);
  const liveStats = db.prepare<{ now: number }, Omit<PartitionStats, 'dead'>>(LIVE_STATS_SQL);
  const deadStats = db.prepare<[], { partition: string; dead: number }>(DEAD_STATS_SQL);
  const cancelId = db.prepare<{ id: number; now: number }>(
    'DELETE FROM queue_jobs WHERE id = :id AND (token IS NULL OR visible_at <= :now)',
  );
  const cancelPrefix = db.prepare<{ pattern: string; now: number }>(
    `DELETE FROM queue_jobs WHERE dedup_key IS NOT NULL AND dedup_key GLOB :pattern
     AND (token IS NULL OR visible_at <= :now)`,
  );

  const cancelIds = db.transaction((ids: number[], now: number): number =>
    ids.reduce((removed, id) => removed + cancelId.run({ id, now }).changes, 0),
  );

  return {
    partitions() {
      return partitions.all({ never: Number.MAX_SAFE_INTEGER });
    },
    stats(now) {
      const byPartition = new Map<string, PartitionStats>();
      for (const row of liveStats.all({ now })) byPartition.set(row.partition, { ...row, dead: 0 });
      for (const row of deadStats.all()) {
        const entry = byPartition.get(row.partition);
        if (entry) entry.dead = row.dead;
        else byPartition.set(row.partition, { partition: row.partition, waiting: 0, ready: 0, reserved: 0, dead: row.dead, oldestWaitingRunAt: null });
      }
      return [...byPartition.values()].sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0));
    },
    cancel(filter, now) {
      if ('ids' in filter) {
        const ids = [...new Set(filter.ids.map(rowId).filter((id): id is number => id !== undefined))];
        return cancelIds.immediate(ids, now);
      }
      // An empty prefix would match every keyed job: far more likely a bug than a wish.
      if (typeof filter.dedupKeyPrefix !== 'string' || filter.dedupKeyPrefix === '') {
        throw new RangeError('cancel: dedupKeyPrefix must be a non-empty string');
      }
      return cancelPrefix.run({ pattern: globPrefix(filter.dedupKeyPrefix), now }).changes;
    },
  };
}
