import type { DeadJob, ReservedJob } from '../../../ports/queue.js';
import { laneName } from '../../sql/queue/lanes.js';

/**
 * A row of `queue_jobs` or `queue_dead` as node-postgres returns it: bigint columns arrive as
 * strings (they may exceed 2^53 in general; ids stay strings, times become numbers).
 */
export interface JobRow {
  id: string;
  partition: string;
  /** Index into LANES: 0 high, 1 normal, 2 bulk, so the lane order is the integer order. */
  lane: number;
  /** JSON text. */
  payload: string;
  run_at: string;
  attempts: number;
  max_attempts: number;
  dedup_key: string | null;
  token: string | null;
  last_error: string | null;
}

export interface DeadRow {
  id: string;
  partition: string;
  lane: number;
  payload: string;
  attempts: number;
  max_attempts: number;
  dedup_key: string | null;
  reason: string;
  dead_at: string;
}

export { laneName, laneNumber } from '../../sql/queue/lanes.js';

const MAX_BIGINT = 9223372036854775807n;

/**
 * Job ids are decimal strings of a positive bigint here. Anything else yields undefined, which
 * matches no row, so a foreign or garbled id is ignored instead of failing the statement's cast.
 */
export function jobId(id: string): string | undefined {
  if (typeof id !== 'string' || !/^[1-9][0-9]{0,18}$/.test(id)) return undefined;
  return BigInt(id) <= MAX_BIGINT ? id : undefined;
}

/** Distinct valid ids, for statements that take an id array. */
export function jobIds(ids: readonly string[]): string[] {
  return [...new Set(ids.map(jobId).filter((id): id is string => id !== undefined))];
}

export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Times are bigint columns. A finite time beyond what a double holds exactly means "never" or
 * "always" all the same, so it is pinned to the safe range instead of overflowing the column.
 */
export function clampTime(ms: number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, Math.trunc(ms)));
}

export function positiveLimit(limit: number, operation: string): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`${operation}: limit must be a positive integer`);
  return limit;
}

export function reservedJob(row: JobRow, reservedUntil: number): ReservedJob<unknown> {
  const job: ReservedJob<unknown> = {
    id: row.id,
    token: row.token ?? '',
    payload: JSON.parse(row.payload) as unknown,
    partition: row.partition,
    lane: laneName(row.lane),
    runAt: Number(row.run_at),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    reservedUntil,
  };
  if (row.dedup_key !== null) job.dedupKey = row.dedup_key;
  if (row.last_error !== null) job.lastError = row.last_error;
  return job;
}

export function deadJob(row: DeadRow): DeadJob<unknown> {
  const job: DeadJob<unknown> = {
    id: row.id,
    payload: JSON.parse(row.payload) as unknown,
    partition: row.partition,
    lane: laneName(row.lane),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    reason: row.reason,
    deadAt: Number(row.dead_at),
  };
  if (row.dedup_key !== null) job.dedupKey = row.dedup_key;
  return job;
}

/** The columns a dead-letter row copies from a live one, in `queue_dead`'s order. */
export const DEAD_COLUMNS = 'id, partition, lane, payload, run_at, attempts, max_attempts, dedup_key, reason, created_at, dead_at';
