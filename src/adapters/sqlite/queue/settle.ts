import type Database from 'better-sqlite3';
import type { JobReceipt, RetryOutcome } from '../../../ports/queue.js';
import { GroupCommit } from '../group-commit.js';
import type { WriteLock } from '../write-lock.js';
import { rowId } from './schema.js';

/** Why a job that ran out of attempts through retry was dead-lettered, when retry gave no error. */
export const EXHAUSTED_REASON = 'attempts exhausted';

interface PendingAck {
  receipt: JobReceipt;
  acked: boolean;
}

export interface Settle {
  ack(receipt: JobReceipt): Promise<boolean>;
  retry(receipt: JobReceipt, runAt: number, error: string | undefined, now: number): RetryOutcome;
  deadLetter(receipt: JobReceipt, reason: string, now: number): boolean;
  /** Commits acks still waiting for their batch; called before closing. */
  flush(): void;
}

/**
 * Every settling statement matches on id AND token, which is what makes a stale receipt (the job
 * was re-reserved after its timeout) change nothing.
 */
export function prepareSettle(db: Database.Database, lock: WriteLock): Settle {
  const remove = db.prepare<[number, string]>('DELETE FROM queue_jobs WHERE id = ? AND token = ?');
  const attempts = db.prepare<[number, string], { attempts: number; max_attempts: number }>(
    'SELECT attempts, max_attempts FROM queue_jobs WHERE id = ? AND token = ?',
  );
  const requeue = db.prepare<{ runAt: number; error: string | null; id: number; token: string }>(
    'UPDATE queue_jobs SET token = NULL, run_at = :runAt, visible_at = :runAt, last_error = :error WHERE id = :id AND token = :token',
  );
  const bury = db.prepare<{ id: number; token: string; reason: string; now: number }>(
    `INSERT INTO queue_dead (id, partition, lane, payload, run_at, attempts, max_attempts, dedup_key, reason, created_at, dead_at)
     SELECT id, partition, lane, payload, run_at, attempts, max_attempts, dedup_key, :reason, created_at, :now
     FROM queue_jobs WHERE id = :id AND token = :token`,
  );

  const writeAcks = db.transaction((batch: PendingAck[]) => {
    for (const pending of batch) {
      const id = rowId(pending.receipt.id);
      pending.acked = id !== undefined && remove.run(id, pending.receipt.token).changes === 1;
    }
  });
  // A worker acks each job as its send completes; acks of one event-loop turn share one commit.
  const acks = new GroupCommit<PendingAck>({ maxBatch: 1000, delayMs: 0, write: (batch) => lock.run(() => writeAcks.immediate(batch)) });

  const deadLetter = db.transaction((id: number, token: string, reason: string, now: number): boolean => {
    if (bury.run({ id, token, reason, now }).changes === 0) return false;
    remove.run(id, token);
    return true;
  });

  const retry = db.transaction((id: number, token: string, runAt: number, error: string | undefined, now: number): RetryOutcome => {
    const row = attempts.get(id, token);
    if (!row) return 'stale';
    if (row.attempts >= row.max_attempts) {
      deadLetter(id, token, error ?? EXHAUSTED_REASON, now);
      return 'dead';
    }
    requeue.run({ runAt, error: error ?? null, id, token });
    return 'waiting';
  });

  return {
    async ack(receipt) {
      const pending: PendingAck = { receipt, acked: false };
      await acks.add(pending);
      return pending.acked;
    },
    retry(receipt, runAt, error, now) {
      if (!Number.isFinite(runAt)) throw new RangeError('retry: runAt must be a finite number');
      const id = rowId(receipt.id);
      return id === undefined ? 'stale' : retry.immediate(id, receipt.token, Math.trunc(runAt), error, now);
    },
    deadLetter(receipt, reason, now) {
      const id = rowId(receipt.id);
      return id !== undefined && deadLetter.immediate(id, receipt.token, reason, now);
    },
    flush() {
      acks.flush();
    },
  };
}
