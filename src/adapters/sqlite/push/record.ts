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
  // Positional parameters, bound from the result without an object per row: a broadcast records a
  // million of these, and binding by name costs about as much as the update itself.
  const update = sqlite.prepare<[string, number | null, number | null, string | null, number, string | null, number, number | null, number, string]>(
    // A 'queued' result is a delivery gate holding it back: no attempt, so the claim's is given back.
    `UPDATE deliveries SET state = ?, claim = NULL, next_at = ?, last_status = ?, last_error = ?,
       attempts = attempts - ?, provider_id = coalesce(?, provider_id), updated_at = ?, sent_at = coalesce(?, sent_at)
     WHERE push_seq = ? AND target = ? AND state = 'sending'`);
  // A delivery cancelled while its attempt was in flight (state 'cancelled', claim still set): the
  // attempt's result only replaces 'cancelled' when the provider had the push already.
  const updateCancelled = sqlite.prepare<[string, number | null, string | null, string | null, number, number | null, number, string]>(
    `UPDATE deliveries SET state = ?, claim = NULL, last_status = coalesce(?, last_status), last_error = coalesce(?, last_error),
       provider_id = coalesce(?, provider_id), updated_at = ?, sent_at = coalesce(?, sent_at)
     WHERE push_seq = ? AND target = ? AND state = 'cancelled' AND claim IS NOT NULL`);

  const record = ({ results, now }: PendingRecord): void => {
    const ended = new Tally();
    const attempts = new Tally();
    const latency = new Tally();
    const deltas = counts.deltas();
    const minute = Math.floor(now / MINUTE);
    for (const r of results) {
      const status = r.status ?? null;
      const error = r.error ?? null;
      const pid = r.providerId ?? null;
      let state: string = r.state;
      if (update.run(state, r.nextAt ?? null, status, error, state === 'queued' ? 1 : 0, pid, now, state === 'sent' ? now : null, r.pushSeq, r.target).changes > 0) {
        deltas.move(r.pushSeq, r.provider, 'sending', state);
      } else {
        // Cancelled in flight: only an answer that says the provider has it overrides the cancel.
        state = PROVIDER_FINAL.has(r.state) ? r.state : 'cancelled';
        if (updateCancelled.run(state, status, error, pid, now, state === 'sent' ? now : null, r.pushSeq, r.target).changes === 0) continue;
        if (state !== 'cancelled') deltas.move(r.pushSeq, r.provider, 'cancelled', state);
      }
      if (r.attempt !== undefined) attempts.add(r.app, r.provider, r.attempt);
      // A retry or a hold is not where a delivery ends; it is counted once it ends.
      if (state !== 'retrying' && state !== 'queued') ended.add(r.app, r.provider, state);
      if (state === 'sent' && r.latencyMs !== undefined) latency.add(r.app, r.provider, bucketOf(Math.max(0, r.latencyMs)));
    }
    deltas.apply();
    for (const { app, provider, what, n } of ended.entries()) stats.ended(minute, app, provider, what as string, n);
    for (const { app, provider, what, n } of attempts.entries()) stats.attempted(minute, app, provider, what as string, n);
    for (const { app, provider, what, n } of latency.entries()) stats.latency(minute, app, provider, what as number, n);
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

/**
 * Counts per (app, provider, what). The results of one job mostly repeat the same key, so a run
 * of equal keys is counted in place and reaches the map once.
 */
class Tally {
  readonly #counts = new Map<string, { app: string; provider: string; what: string | number; n: number }>();
  #last: { app: string; provider: string; what: string | number; n: number } | undefined;

  add(app: string, provider: string, what: string | number): void {
    const last = this.#last;
    if (last && last.what === what && last.app === app && last.provider === provider) {
      last.n++;
      return;
    }
    const key = `${app}\0${provider}\0${what}`;
    let entry = this.#counts.get(key);
    if (!entry) this.#counts.set(key, (entry = { app, provider, what, n: 0 }));
    entry.n++;
    this.#last = entry;
  }

  entries(): Iterable<{ app: string; provider: string; what: string | number; n: number }> {
    return this.#counts.values();
  }
}
