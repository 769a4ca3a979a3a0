import type Database from 'better-sqlite3';
import type { DeadJob, DeadLetterQuery, ReplayTarget } from '../../../ports/queue.js';
import { laneName, positiveLimit, rowId, type DeadRow } from './schema.js';

export interface DeadLetters {
  list(query: DeadLetterQuery): DeadJob<unknown>[];
  replay(target: ReplayTarget, now: number): number;
}

export function prepareDeadLetters(db: Database.Database): DeadLetters {
  // One statement per filter shape, so each reads its own index in order instead of filtering.
  const listAll = db.prepare<{ before: number; limit: number }, DeadRow>(
    'SELECT * FROM queue_dead WHERE dead_at < :before ORDER BY dead_at DESC, id DESC LIMIT :limit',
  );
  const listPartition = db.prepare<{ partition: string; before: number; limit: number }, DeadRow>(
    'SELECT * FROM queue_dead WHERE partition = :partition AND dead_at < :before ORDER BY dead_at DESC, id DESC LIMIT :limit',
  );
  const oldestAll = db.prepare<{ limit: number }, number>('SELECT id FROM queue_dead ORDER BY dead_at, id LIMIT :limit').pluck();
  const oldestPartition = db.prepare<{ partition: string; limit: number }, number>(
    'SELECT id FROM queue_dead WHERE partition = :partition ORDER BY dead_at, id LIMIT :limit',
  ).pluck();
  // A dead job whose dedup key is live again conflicts and stays where it is.
  const revive = db.prepare<{ id: number; now: number }>(
    `INSERT INTO queue_jobs (id, partition, lane, payload, run_at, visible_at, attempts, max_attempts, dedup_key, token, last_error, created_at)
     SELECT id, partition, lane, payload, :now, :now, 0, max_attempts, dedup_key, NULL, NULL, created_at
     FROM queue_dead WHERE id = :id
     ON CONFLICT DO NOTHING`,
  );
  const remove = db.prepare<[number]>('DELETE FROM queue_dead WHERE id = ?');

  const replay = db.transaction((ids: number[], now: number): number => {
    let replayed = 0;
    for (const id of ids) {
      if (revive.run({ id, now }).changes === 0) continue;
      remove.run(id);
      replayed++;
    }
    return replayed;
  });

  return {
    list(query) {
      const limit = positiveLimit(query.limit, 'deadLetters');
      const before = query.before ?? Number.MAX_SAFE_INTEGER;
      const rows = query.partition === undefined
        ? listAll.all({ before, limit })
        : listPartition.all({ partition: query.partition, before, limit });
      return rows.map(deadJob);
    },
    replay(target, now) {
      if (isIdList(target)) {
        const ids = [...new Set(target.map(rowId).filter((id): id is number => id !== undefined))];
        return replay.immediate(ids, now);
      }
      const limit = positiveLimit(target.limit, 'replay');
      // Picking and moving in one IMMEDIATE transaction, so two replays cannot pick the same jobs.
      const pick = (): number[] =>
        target.partition === undefined ? oldestAll.all({ limit }) : oldestPartition.all({ partition: target.partition, limit });
      return db.transaction(() => replay(pick(), now)).immediate();
    },
  };
}

function isIdList(target: ReplayTarget): target is readonly string[] {
  return Array.isArray(target);
}

function deadJob(row: DeadRow): DeadJob<unknown> {
  const job: DeadJob<unknown> = {
    id: String(row.id),
    payload: JSON.parse(row.payload) as unknown,
    partition: row.partition,
    lane: laneName(row.lane),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    reason: row.reason,
    deadAt: row.dead_at,
  };
  if (row.dedup_key !== null) job.dedupKey = row.dedup_key;
  return job;
}
