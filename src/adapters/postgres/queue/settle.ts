import type { Pool } from 'pg';
import type { JobReceipt, RetryOutcome } from '../../../ports/queue.js';
import { clampTime, DEAD_COLUMNS, jobId } from './schema.js';

/** Why a job that ran out of attempts through retry was dead-lettered, when retry gave no error. */
export const EXHAUSTED_REASON = 'attempts exhausted';

/** The most acks one statement carries. */
const ACK_BATCH = 1000;

/**
 * Every settling statement matches on id AND token, which is what makes a stale receipt (the job
 * was re-reserved after its timeout, retried, dead-lettered, cancelled or acked) change nothing.
 * `id = ANY(…)` keeps the batch a primary-key lookup however the planner sizes the unnest.
 */
const ACK_SQL = `
  DELETE FROM queue_jobs j USING unnest($1::bigint[], $2::text[]) AS r(id, token)
  WHERE j.id = ANY($1::bigint[]) AND j.id = r.id AND j.token = r.token
  RETURNING j.id, j.token`;

/**
 * One statement either way: with attempts left the job waits again, otherwise it moves to the dead
 * letters. The two branches exclude each other on the same row version, so exactly one acts, or
 * neither when the receipt is stale.
 */
const RETRY_SQL = `
  WITH requeued AS (
    UPDATE queue_jobs SET token = NULL, run_at = $3, visible_at = $3, last_error = $4
    WHERE id = $1 AND token = $2 AND attempts < max_attempts
    RETURNING id
  ), gone AS (
    DELETE FROM queue_jobs WHERE id = $1 AND token = $2 AND attempts >= max_attempts
    RETURNING *
  ), buried AS (
    INSERT INTO queue_dead (${DEAD_COLUMNS})
    SELECT id, partition, lane, payload, run_at, attempts, max_attempts, dedup_key, $5, created_at, $6 FROM gone
    RETURNING id
  )
  SELECT 'waiting' AS outcome FROM requeued UNION ALL SELECT 'dead' FROM buried`;

const DEAD_LETTER_SQL = `
  WITH gone AS (DELETE FROM queue_jobs WHERE id = $1 AND token = $2 RETURNING *)
  INSERT INTO queue_dead (${DEAD_COLUMNS})
  SELECT id, partition, lane, payload, run_at, attempts, max_attempts, dedup_key, $3, created_at, $4 FROM gone
  RETURNING id`;

interface PendingAck {
  id: string;
  token: string;
  resolve: (acked: boolean) => void;
  reject: (err: unknown) => void;
}

export interface Settle {
  ack(receipt: JobReceipt): Promise<boolean>;
  retry(receipt: JobReceipt, runAt: number, error: string | undefined, now: number): Promise<RetryOutcome>;
  deadLetter(receipt: JobReceipt, reason: string, now: number): Promise<boolean>;
  /** Sends the acks still waiting for their batch and waits for every ack in flight; for close. */
  drain(): Promise<void>;
}

export function prepareSettle(pool: Pool): Settle {
  const acks = new AckBatcher(pool);
  return {
    ack(receipt) {
      const id = jobId(receipt.id);
      if (id === undefined || typeof receipt.token !== 'string') return Promise.resolve(false);
      return acks.add(id, receipt.token);
    },
    async retry(receipt, runAt, error, now) {
      if (!Number.isFinite(runAt)) throw new RangeError('retry: runAt must be a finite number');
      const id = jobId(receipt.id);
      if (id === undefined || typeof receipt.token !== 'string') return 'stale';
      const result = await pool.query<{ outcome: RetryOutcome }>({
        name: 'herald_queue_retry',
        text: RETRY_SQL,
        values: [id, receipt.token, clampTime(runAt), error ?? null, error ?? EXHAUSTED_REASON, now],
      });
      return result.rows[0]?.outcome ?? 'stale';
    },
    async deadLetter(receipt, reason, now) {
      const id = jobId(receipt.id);
      if (id === undefined || typeof receipt.token !== 'string') return false;
      const result = await pool.query({ name: 'herald_queue_dead_letter', text: DEAD_LETTER_SQL, values: [id, receipt.token, reason, now] });
      return result.rowCount === 1;
    },
    drain: () => acks.drain(),
  };
}

/**
 * A worker acks each job as its send completes, so acks arrive one by one from many callers.
 * Those of one event-loop turn share one DELETE (one round trip, one commit) instead of paying
 * one each; a batch does not wait for the previous one, so slow commits never queue acks up.
 */
class AckBatcher {
  #pending: PendingAck[] = [];
  #scheduled = false;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  add(id: string, token: string): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#pending.push({ id, token, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  async drain(): Promise<void> {
    this.#flush();
    await Promise.allSettled([...this.#inFlight]);
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#pending.length > 0) {
      const sent = this.#send(this.#pending.splice(0, ACK_BATCH)).finally(() => this.#inFlight.delete(sent));
      this.#inFlight.add(sent);
    }
  }

  async #send(batch: PendingAck[]): Promise<void> {
    try {
      // The same receipt twice in a batch deletes one row: only the first caller gets true.
      const unique = new Map<string, PendingAck>();
      for (const pending of batch) {
        const key = `${pending.id}:${pending.token}`;
        if (!unique.has(key)) unique.set(key, pending);
      }
      const receipts = [...unique.values()];
      const result = await this.#pool.query<{ id: string; token: string }>({
        name: 'herald_queue_ack',
        text: ACK_SQL,
        values: [receipts.map((r) => r.id), receipts.map((r) => r.token)],
      });
      const deleted = new Set(result.rows.map((row) => `${row.id}:${row.token}`));
      for (const pending of batch) {
        const key = `${pending.id}:${pending.token}`;
        pending.resolve(unique.get(key) === pending && deleted.has(key));
      }
    } catch (err) {
      for (const pending of batch) pending.reject(err);
    }
  }
}
