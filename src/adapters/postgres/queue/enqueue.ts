import type { Pool, PoolClient } from 'pg';
import type { EnqueueResult, NewJob } from '../../../ports/queue.js';
import { clampTime, laneNumber } from './schema.js';

export const DEFAULT_MAX_ATTEMPTS = 5;

interface JobValues {
  partition: string;
  lane: number;
  payload: string;
  runAt: number;
  maxAttempts: number;
  dedupKey: string | null;
}

/**
 * The whole batch in one statement: the rows travel as six arrays (one bind per column however
 * many jobs), each gets its id from the sequence up front so the answer can be given in input
 * order, and ON CONFLICT DO NOTHING on the dedup index skips a key that is live. The answer is one
 * row: every id in input order and the ids actually inserted; joining back to find holders here
 * would make PostgreSQL hash the whole table for every batch. Rows go in sorted by dedup key: an
 * insert waits on an uncommitted row with the same key, and two batches that took their keys in
 * different orders would each wait for the other; in one order they cannot deadlock.
 */
const INSERT_SQL = `
  WITH input AS MATERIALIZED (
    SELECT nextval('queue_job_ids') AS id, t.*
    FROM unnest($1::text[], $2::smallint[], $3::text[], $4::bigint[], $5::integer[], $6::text[])
      WITH ORDINALITY AS t(partition, lane, payload, run_at, max_attempts, dedup_key, ord)
  ), inserted AS (
    INSERT INTO queue_jobs (id, partition, lane, payload, run_at, visible_at, attempts, max_attempts, dedup_key, token, last_error, created_at)
    SELECT id, partition, lane, payload, run_at, run_at, 0, max_attempts, dedup_key, NULL, NULL, $7
    FROM input ORDER BY dedup_key, ord
    ON CONFLICT DO NOTHING
    RETURNING id
  )
  SELECT (SELECT array_agg(id ORDER BY ord) FROM input) AS ids, (SELECT array_agg(id) FROM inserted) AS inserted`;

/** The live holders of keys that were skipped: an index lookup per key. */
const HOLDERS_SQL = 'SELECT id, dedup_key FROM queue_jobs WHERE dedup_key = ANY($1::text[])';

interface InsertRow {
  /** bigint[] arrives as strings. */
  ids: string[];
  inserted: string[] | null;
}

/**
 * Adds a batch atomically. A batch without dedup keys cannot conflict, so it is one autocommitted
 * statement. With keys, skipped rows need a second statement to name their holders, and the two
 * run in one transaction so the batch stays all or nothing. The commit is synchronous, so a
 * returned enqueue survives a crash of the server.
 */
export function prepareEnqueue(pool: Pool): (jobs: readonly NewJob<unknown>[], now: number) => Promise<EnqueueResult> {
  return async (jobs, now) => {
    // Validate everything before writing anything: the batch is all or nothing.
    const rows = jobs.map((job, index) => jobValues(job, index, now));
    if (rows.length === 0) return { ids: [], duplicates: [] };

    // A key repeated inside the batch: the first job with it is the one that may go in.
    const firstWithKey = new Map<string, number>();
    const duplicates: number[] = [];
    const toInsert: number[] = [];
    rows.forEach((row, index) => {
      if (row.dedupKey !== null) {
        if (firstWithKey.has(row.dedupKey)) {
          duplicates.push(index);
          return;
        }
        firstWithKey.set(row.dedupKey, index);
      }
      toInsert.push(index);
    });

    const ids: string[] = new Array<string>(rows.length);
    if (firstWithKey.size === 0) {
      const result = await pool.query<InsertRow>({ name: 'herald_queue_enqueue', text: INSERT_SQL, values: insertValues(rows, toInsert, now) });
      result.rows[0].ids.forEach((id, i) => (ids[toInsert[i]] = id));
      return { ids, duplicates };
    }

    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const held = await insertKeyed(client, rows, toInsert, now, ids);
      await client.query('COMMIT');
      for (const index of held) duplicates.push(index);
      // A repeat inside the batch gets the id its first occurrence ended up with.
      for (const index of duplicates) ids[index] ??= ids[firstWithKey.get(rows[index].dedupKey ?? '') ?? -1];
      duplicates.sort((a, b) => a - b);
      return { ids, duplicates };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  };
}

/**
 * Inserts the rows at `indexes` (all with distinct keys), fills `ids`, and returns the indexes
 * skipped for a live key. The holder lookup runs as its own statement, so READ COMMITTED gives it
 * a fresh snapshot that also sees a holder another node committed while the insert waited on it.
 * If that holder was acked in between, the key is free again and the row is inserted after all:
 * each round settles every row unless a holder vanished between two of our statements.
 */
async function insertKeyed(client: PoolClient, rows: JobValues[], indexes: number[], now: number, ids: string[]): Promise<number[]> {
  const held: number[] = [];
  let pending = indexes;
  while (pending.length > 0) {
    const result = await client.query<InsertRow>({ name: 'herald_queue_enqueue', text: INSERT_SQL, values: insertValues(rows, pending, now) });
    const { ids: assigned, inserted } = result.rows[0];
    const went = new Set(inserted ?? []);
    const skipped: number[] = [];
    assigned.forEach((id, i) => {
      if (went.has(id)) ids[pending[i]] = id;
      else skipped.push(pending[i]);
    });
    if (skipped.length === 0) break;
    const holders = await client.query<{ id: string; dedup_key: string }>({
      name: 'herald_queue_holders',
      text: HOLDERS_SQL,
      values: [skipped.map((index) => rows[index].dedupKey)],
    });
    const holderOf = new Map(holders.rows.map((row) => [row.dedup_key, row.id]));
    pending = [];
    for (const index of skipped) {
      const holder = holderOf.get(rows[index].dedupKey ?? '');
      if (holder === undefined) pending.push(index);
      else {
        ids[index] = holder;
        held.push(index);
      }
    }
  }
  return held;
}

function insertValues(rows: JobValues[], indexes: number[], now: number): unknown[] {
  const pick = <K extends keyof JobValues>(key: K): JobValues[K][] => indexes.map((index) => rows[index][key]);
  return [pick('partition'), pick('lane'), pick('payload'), pick('runAt'), pick('maxAttempts'), pick('dedupKey'), now];
}

function jobValues(job: NewJob<unknown>, index: number, now: number): JobValues {
  const where = `enqueue: job ${index}`;
  if (typeof job.partition !== 'string' || job.partition === '') throw new RangeError(`${where}: partition must be a non-empty string`);
  const lane = laneNumber(job.lane ?? 'normal');
  if (lane === undefined) throw new RangeError(`${where}: unknown lane ${String(job.lane)}`);
  const runAt = job.runAt ?? now;
  if (!Number.isFinite(runAt)) throw new RangeError(`${where}: runAt must be a finite number`);
  const maxAttempts = job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  // integer column: a larger count would fail the whole batch in the database instead of here.
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 2_147_483_647) {
    throw new RangeError(`${where}: maxAttempts must be a positive integer`);
  }
  if (job.dedupKey !== undefined && typeof job.dedupKey !== 'string') throw new RangeError(`${where}: dedupKey must be a string`);
  const payload = JSON.stringify(job.payload) as string | undefined;
  if (payload === undefined) throw new RangeError(`${where}: payload is not representable as JSON`);
  // PostgreSQL text cannot hold NUL; JSON.stringify escapes it in strings, but a key may carry one.
  if (job.partition.includes('\u0000') || job.dedupKey?.includes('\u0000')) throw new RangeError(`${where}: partition and dedupKey cannot contain NUL`);
  return { partition: job.partition, lane, payload, runAt: clampTime(runAt), maxAttempts, dedupKey: job.dedupKey ?? null };
}
