import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { ReservedJob } from '../../../ports/queue.js';
import { clampTime, compareIds, DEAD_COLUMNS, reservedJob, type JobRow } from './schema.js';

/** Why a job that ran out of attempts through timeouts, not through retry, was dead-lettered. */
export const TIMED_OUT_REASON = 'reservation timed out on the last attempt';

export interface ReserveInput {
  partition: string;
  limit: number;
  visibilityMs: number;
  now: number;
  /** Lane numbers to take jobs from. */
  lanes: readonly number[];
}

/**
 * One lane's due jobs, in hand-out order, locked: an index range scan on
 * (partition, lane, visible_at, id) under LIMIT, so it reads and locks only the rows it returns.
 * SKIP LOCKED passes over rows another reserve is claiming this very moment instead of waiting
 * for it; if that reserve committed first, PostgreSQL re-checks `visible_at <= now` on the row's
 * new version, which then fails, so a claimed job is never claimed twice. Each later lane asks
 * only for the room the earlier lanes left, so at most `limit` rows are locked in all: a
 * concurrent reserve never sees rows held back that this one will not take.
 */
const lane = (n: number, room: string): string => `
  lane${n} AS MATERIALIZED (
    SELECT id FROM queue_jobs
    WHERE $${5 + n}::boolean AND partition = $1 AND lane = ${n} AND visible_at <= $2
    ORDER BY visible_at, id
    LIMIT ${room}
    FOR UPDATE SKIP LOCKED
  )`;

/**
 * Reserving is ONE statement, so it is atomic without a transaction around it. A picked row that
 * has used its last attempt was handed out before and its holder vanished: it moves to the dead
 * letters in the same statement (the two branches touch disjoint rows), and the caller reserves
 * again to fill the room it left. The picked ids reach the UPDATE and DELETE as an array
 * (`id = ANY(ARRAY(…))`), which is always a primary-key lookup; joined as a table, the planner
 * cannot estimate the CTE and hashes the whole queue instead.
 */
const RESERVE_SQL = `
  WITH ${lane(0, '$3')},
  ${lane(1, '$3 - (SELECT count(*) FROM lane0)')},
  ${lane(2, '$3 - (SELECT count(*) FROM lane0) - (SELECT count(*) FROM lane1)')},
  picked AS (SELECT id FROM lane0 UNION ALL SELECT id FROM lane1 UNION ALL SELECT id FROM lane2),
  claimed AS (
    UPDATE queue_jobs j SET token = $4, visible_at = $8, attempts = j.attempts + 1
    WHERE j.id = ANY(ARRAY(SELECT id FROM picked)) AND j.attempts < j.max_attempts
    RETURNING j.id, j.partition, j.lane, j.payload, j.run_at, j.attempts, j.max_attempts, j.dedup_key, j.token, j.last_error
  ),
  expired AS (
    DELETE FROM queue_jobs j WHERE j.id = ANY(ARRAY(SELECT id FROM picked)) AND j.attempts >= j.max_attempts
    RETURNING j.*
  ),
  buried AS (
    INSERT INTO queue_dead (${DEAD_COLUMNS})
    SELECT id, partition, lane, payload, run_at, attempts, max_attempts, dedup_key, $9, created_at, $2 FROM expired
    RETURNING id
  )
  SELECT *, false AS buried FROM claimed
  UNION ALL
  SELECT id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true FROM buried`;

type ReserveRow = JobRow & { buried: boolean };

export function prepareReserve(pool: Pool): (input: ReserveInput) => Promise<ReservedJob<unknown>[]> {
  return async (input) => {
    const token = randomUUID();
    const until = clampTime(input.now + input.visibilityMs);
    const reserved: JobRow[] = [];
    // Rows buried for timing out on their last attempt free room in the batch: reserve again so
    // a run of them cannot make a partition with due work look empty.
    for (;;) {
      const room = input.limit - reserved.length;
      const result = await pool.query<ReserveRow>({
        name: 'herald_queue_reserve',
        text: RESERVE_SQL,
        values: [
          input.partition, input.now, room, token,
          input.lanes.includes(0), input.lanes.includes(1), input.lanes.includes(2),
          until, TIMED_OUT_REASON,
        ],
      });
      let buried = 0;
      for (const row of result.rows) {
        if (row.buried) buried++;
        else reserved.push(row);
      }
      if (buried === 0 || result.rows.length < room || reserved.length >= input.limit) break;
    }
    // RETURNING gives rows in no promised order.
    reserved.sort((a, b) => a.lane - b.lane || Number(a.run_at) - Number(b.run_at) || compareIds(a.id, b.id));
    return reserved.map((row) => reservedJob(row, until));
  };
}
