import type Database from 'better-sqlite3';
import type { DeliveryResult, PushStore } from '../../../ports/push-store.js';
import { bucketOf } from '../../../util/log-buckets.js';
import { GroupCommit } from '../group-commit.js';
import type { WriteLock } from '../write-lock.js';
import type { PushCountsTable } from './counts.js';
import { MINUTE } from './schema.js';
import type { MinuteStats } from './stats.js';

/** Results that mean the provider has the push: they stand even when the delivery was cancelled meanwhile. */
const PROVIDER_FINAL = new Set<string>(['sent', 'failed', 'invalid_token']);

interface PendingRecord {
  results: readonly DeliveryResult[];
  now: number;
}

export interface Records {
  record: PushStore['record'];
  /** Commits outcomes still waiting for their batch; called before closing. */
  flush(): void;
}

/** Recording the outcome of each claimed delivery's attempt, with the counts and stats it moves. */
export function prepareRecord(sqlite: Database.Database, lock: WriteLock, counts: PushCountsTable, stats: MinuteStats): Records {
  const update = sqlite.prepare<{ seq: number; target: string; state: string; nextAt: number | null; status: number | null; error: string | null; pid: string | null; now: number }>(
    // A 'queued' result is a delivery gate holding it back: no attempt, so the claim's is given back.
    `UPDATE deliveries SET state = :state, claim = NULL, next_at = :nextAt, last_status = :status, last_error = :error,
       attempts = attempts - CASE WHEN :state = 'queued' THEN 1 ELSE 0 END, provider_id = coalesce(:pid, provider_id), updated_at = :now, sent_at = CASE WHEN :state = 'sent' THEN :now ELSE sent_at END
     WHERE push_seq = :seq AND target = :target AND state = 'sending'`);
  // A delivery cancelled while its attempt was in flight (state 'cancelled', claim still set): the
  // attempt's result only replaces 'cancelled' when the provider had the push already.
  const updateCancelled = sqlite.prepare<{ seq: number; target: string; state: string; status: number | null; error: string | null; pid: string | null; now: number }>(
    `UPDATE deliveries SET state = :state, claim = NULL, last_status = coalesce(:status, last_status), last_error = coalesce(:error, last_error),
       provider_id = coalesce(:pid, provider_id), updated_at = :now, sent_at = CASE WHEN :state = 'sent' THEN :now ELSE sent_at END
     WHERE push_seq = :seq AND target = :target AND state = 'cancelled' AND claim IS NOT NULL`);

  const record = ({ results, now }: PendingRecord): void => {
    const ended = new Map<string, number>();
    const attempts = new Map<string, number>();
    const latency = new Map<string, number>();
    const deltas = counts.deltas();
    const minute = Math.floor(now / MINUTE);
    const tally = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
    for (const r of results) {
      const row = {
        seq: r.pushSeq, target: r.target, status: r.status ?? null, error: r.error ?? null, pid: r.providerId ?? null, now,
      };
      let state: string = r.state;
      if (update.run({ ...row, state, nextAt: r.nextAt ?? null }).changes > 0) {
        deltas.move(r.pushSeq, r.provider, 'sending', state);
      } else {
        // Cancelled in flight: only an answer that says the provider has it overrides the cancel.
        state = PROVIDER_FINAL.has(r.state) ? r.state : 'cancelled';
        if (updateCancelled.run({ ...row, state }).changes === 0) continue;
        if (state !== 'cancelled') deltas.move(r.pushSeq, r.provider, 'cancelled', state);
      }
      if (r.attempt !== undefined) tally(attempts, `${r.app}\0${r.provider}\0${r.attempt}`);
      // A retry or a hold is not where a delivery ends; it is counted once it ends.
      if (state !== 'retrying' && state !== 'queued') tally(ended, `${r.app}\0${r.provider}\0${state}`);
      if (state === 'sent' && r.latencyMs !== undefined) tally(latency, `${r.app}\0${r.provider}\0${bucketOf(Math.max(0, r.latencyMs))}`);
    }
    deltas.apply();
    for (const [key, n] of ended) {
      const [app, provider, state] = key.split('\0') as [string, string, string];
      stats.ended(minute, app, provider, state, n);
    }
    for (const [key, n] of attempts) {
      const [app, provider, outcome] = key.split('\0') as [string, string, string];
      stats.attempted(minute, app, provider, outcome, n);
    }
    for (const [key, n] of latency) {
      const [app, provider, bucket] = key.split('\0') as [string, string, string];
      stats.latency(minute, app, provider, Number(bucket), n);
    }
  };

  const recordBatch = sqlite.transaction((batch: PendingRecord[]) => {
    for (const b of batch) record(b);
  });
  // Like claims (see claim.ts): the outcomes of the jobs in flight at one moment share a short transaction.
  const records = new GroupCommit<PendingRecord>({
    maxBatch: 2,
    delayMs: 0,
    write: (batch) => lock.run(() => recordBatch.immediate(batch)),
  });

  return {
    async record(results, now) {
      if (results.length > 0) await records.add({ results, now });
    },
    flush() {
      records.flush();
    },
  };
}
