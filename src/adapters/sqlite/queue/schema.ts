/**
 * A live job (waiting or reserved) in `queue_jobs`. Acked jobs are deleted; dead ones move to
 * `queue_dead`, which keeps the job's id so a replay brings it back under the same id.
 */
export interface JobRow {
  id: number;
  partition: string;
  /** Index into LANES: 0 high, 1 normal, 2 bulk, so the lane order is the integer order. */
  lane: number;
  /** JSON text. */
  payload: string;
  /** Unix ms the job was due: its enqueue runAt, or the runAt of the last retry. */
  run_at: number;
  /**
   * Unix ms from which reserve may hand the job out: run_at while waiting, the end of the
   * reservation while reserved. One column for both is what lets reserve be a single range scan.
   */
  visible_at: number;
  attempts: number;
  max_attempts: number;
  dedup_key: string | null;
  /** The current reservation's token; null while waiting. */
  token: string | null;
  last_error: string | null;
  created_at: number;
}

export interface DeadRow {
  id: number;
  partition: string;
  lane: number;
  payload: string;
  run_at: number;
  attempts: number;
  max_attempts: number;
  dedup_key: string | null;
  reason: string;
  created_at: number;
  dead_at: number;
}

export { laneName, laneNumber } from '../../sql/queue/lanes.js';

/**
 * Job ids are strings in the port so that other backends can use their own; here they are rowids.
 * Anything that is not one yields undefined, which matches no row.
 */
export function rowId(id: string): number | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return undefined;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function positiveLimit(limit: number, operation: string): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`${operation}: limit must be a positive integer`);
  return limit;
}
